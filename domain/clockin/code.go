package clockin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/fault"
)

// Rotating QR codes.
//
// The QR code of an item changes every Period (25 s, as 001 shows it): its
// payload is
//
//	ci1.<item id>.<window>.<mac>            e.g. ci1.42.70912345.q3Zp0YJ3m2c1Xw8aTnVb
//
// where window is floor(unix seconds / 25) of the moment it is shown and mac
// is the first 120 bits of HMAC-SHA256(key, "clockin/v1|<item id>|<window>")
// in unpadded base64url, the key derived from the server's secret. Without
// the secret no payload can be made for another item or window.
//
// A payload of window w is accepted while the current window c (at the time
// the clock-in is decided) is
//
//   - w: the window it was shown in, or
//   - w+1 during the first Grace (5 s) of that window: a code scanned just
//     before it turned, allowing for the scan's latency, or
//   - w-1 during the last MaxSkew (2 s) before w starts: a code shown by a
//     server whose clock runs slightly ahead.
//
// So a code is good for at most Period+Grace (30 s) after it first appeared;
// never older.
const (
	Period  = 25 * time.Second
	Grace   = 5 * time.Second
	MaxSkew = 2 * time.Second
)

// MinSecretLength is the shortest secret NewCodeSigner accepts.
const MinSecretLength = 16

// maxPayloadLength bounds what is worth parsing.
const maxPayloadLength = 80

const payloadPrefix = "ci1"

// Errors of QR payloads.
var (
	ErrCodeInvalid   = &fault.Error{Kind: fault.Invalid, Code: "CLOCKIN_CODE_INVALID", Field: "code", Message: "二维码无效"}
	ErrCodeWrongItem = &fault.Error{Kind: fault.Invalid, Code: "CLOCKIN_CODE_WRONG_ITEM", Field: "code", Message: "二维码与打卡项不符"}
	ErrCodeExpired   = &fault.Error{Kind: fault.Invalid, Code: "CLOCKIN_CODE_EXPIRED", Field: "code", Message: "二维码已过期，请重新扫码"}
)

// CodeSigner makes and checks QR payloads with a key derived from a server
// secret. It is safe for concurrent use.
type CodeSigner struct {
	key []byte
}

// NewCodeSigner derives the QR key from secret (at least 16 bytes).
func NewCodeSigner(secret []byte) (*CodeSigner, error) {
	if len(secret) < MinSecretLength {
		return nil, errors.New("clockin: the QR code secret must have at least 16 bytes")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("fiveapis/hhu/clockin-qr/v1"))
	return &CodeSigner{key: m.Sum(nil)}, nil
}

// WindowOf is the window number of t: floor(unix seconds / 25).
func WindowOf(t time.Time) int64 {
	ns, p := t.UnixNano(), int64(Period)
	w := ns / p
	if ns%p < 0 {
		w--
	}
	return w
}

// WindowStart is when window w begins.
func WindowStart(w int64) time.Time { return time.Unix(0, w*int64(Period)).UTC() }

// QRCode is the payload of an item's QR code in one window.
type QRCode struct {
	ItemID  int64
	Window  int64
	Payload string
	// ShownFrom and ExpiresAt bound the window the code is shown in; it is
	// still accepted for Grace after ExpiresAt.
	ShownFrom time.Time
	ExpiresAt time.Time
}

// Issue returns the QR code of the item for the window of now.
func (s *CodeSigner) Issue(itemID int64, now time.Time) QRCode {
	w := WindowOf(now)
	return QRCode{
		ItemID: itemID, Window: w, Payload: s.payload(itemID, w),
		ShownFrom: WindowStart(w), ExpiresAt: WindowStart(w + 1),
	}
}

func (s *CodeSigner) payload(itemID, w int64) string {
	id, win := strconv.FormatInt(itemID, 10), strconv.FormatInt(w, 10)
	return payloadPrefix + "." + id + "." + win + "." + s.mac(id, win)
}

func (s *CodeSigner) mac(id, win string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("clockin/v1|" + id + "|" + win))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:15])
}

// Check verifies a payload for the item at now and returns its window:
// ErrCodeInvalid when it is malformed or forged, ErrCodeWrongItem when it is
// another item's, ErrCodeExpired when its window is no longer accepted (see
// the package documentation).
func (s *CodeSigner) Check(payload string, itemID int64, now time.Time) (int64, error) {
	payload = strings.TrimSpace(payload)
	if len(payload) > maxPayloadLength {
		return 0, ErrCodeInvalid
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 4 || parts[0] != payloadPrefix {
		return 0, ErrCodeInvalid
	}
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	w, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 || w <= 0 {
		return 0, ErrCodeInvalid
	}
	if want := s.mac(parts[1], parts[2]); !hmac.Equal([]byte(want), []byte(parts[3])) {
		return 0, ErrCodeInvalid
	}
	if id != itemID {
		return 0, ErrCodeWrongItem
	}
	if !Accepted(w, now) {
		return 0, ErrCodeExpired
	}
	return w, nil
}

// ItemOf reads the item id a payload names, without checking it (Check
// does): ok is false for text that is no payload. The mini-program scans a
// code and sends only its text.
func ItemOf(payload string) (itemID int64, ok bool) {
	payload = strings.TrimSpace(payload)
	if len(payload) > maxPayloadLength {
		return 0, false
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 4 || parts[0] != payloadPrefix {
		return 0, false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	return id, err == nil && id > 0
}

// Accepted reports whether a code shown in window w is accepted at now.
func Accepted(w int64, now time.Time) bool {
	switch cur := WindowOf(now); w {
	case cur:
		return true
	case cur - 1:
		return now.Sub(WindowStart(cur)) < Grace
	case cur + 1:
		return WindowStart(w).Sub(now) <= MaxSkew
	}
	return false
}
