package cards_test

import (
	"errors"
	"testing"

	"github.com/fiveapis/backend/domain/cards"
)

// FuzzParseCode: no input makes card-code parsing panic; anything it
// accepts is a code the signer made, whose canonical form parses to the same
// card; and every code the signer makes parses back.
func FuzzParseCode(f *testing.F) {
	signer, err := cards.NewCodeSigner([]byte("fuzz secret of at least 16 bytes"))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		signer.Code("DANCE_20261121_001", 1), "dance_20261121_001_1-50fmpzw3m8ks", "", "-", "_-", "X_0-AAAAAAAAAAAA",
		"X_1-AAAAAAAAAAAA", "X_99999999999999999999-AAAAAAAAAAAA", "\x00_1-AAAAAAAAAAAA", "ÄÖÜ_1-AAAAAAAAAAAA", " A_1-OIL0OIL0OIL0 ",
	} {
		f.Add(seed, "B_1", int64(7))
	}
	f.Fuzz(func(t *testing.T, code, batch string, id int64) {
		p, err := signer.Parse(code)
		if err != nil {
			if !errors.Is(err, cards.ErrCardNotFound) {
				t.Fatalf("Parse(%q): %v, want ErrCardNotFound", code, err)
			}
		} else {
			again, err := signer.Parse(p.Code)
			if err != nil || again != p {
				t.Fatalf("canonical %q of %q parses to %+v, %v", p.Code, code, again, err)
			}
		}
		if _, err := cards.ValidateBatchCode(batch); err != nil || id <= 0 {
			return
		}
		made := signer.Code(batch, id)
		if p, err := signer.Parse(made); err != nil || p.CardID != id {
			t.Fatalf("the signer's own code %q for batch %q, card %d: %+v, %v", made, batch, id, p, err)
		}
	})
}
