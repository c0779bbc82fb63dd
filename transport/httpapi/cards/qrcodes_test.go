package cards_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestQRCodeZipOfTenThousandCards zips qrZipCards cards: 10,000 normally,
// fewer under the race detector, which slows QR encoding tenfold (make test
// also runs this test without -race, so the 10,000-card zip is always tested).
// One t.Run per rule, in order, each building on the ones before.
func TestQRCodeZipOfTenThousandCards(t *testing.T) {
	t.Parallel()
	srv, app := startApp(t)
	admin, user := app.AdminBearer(t), app.NewUser(t).Bearer
	must := func(name string, rule func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, rule) {
			t.FailNow()
		}
	}
	var (
		b       map[string]any
		bid     int64
		gen     response
		expires time.Time
		link    string
	)
	must("an admin creates the batch", func(t *testing.T) {
		s := srv.in(t)
		tid := num(s.want(s.do("POST", "/api/card/templates/", admin, map[string]any{"name": "t", "category": "clothing"}), 201, "").data()["id"])
		b = s.want(s.do("POST", "/api/card/batches/", admin, map[string]any{"name": "big", "template": tid, "total_quantity": qrZipCards}), 201, "").data()
		bid = num(b["id"])
	})
	t.Run("only an admin may generate the QR codes", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("POST", fmt.Sprintf("/api/card/batches/%d/generate_qrcodes/", bid), user, nil), 403, "INSUFFICIENT_PERMISSION")
	})
	t.Run("while the zip is built, other requests are answered promptly", func(t *testing.T) {
		s := srv.in(t)
		var (
			wg      sync.WaitGroup
			started = time.Now()
			genTook time.Duration
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen = s.do("POST", fmt.Sprintf("/api/card/batches/%d/generate_qrcodes/", bid), admin, nil)
			genTook = time.Since(started)
		}()
		time.Sleep(200 * time.Millisecond)
		var slowest time.Duration
		for i := 0; i < 10; i++ {
			t0 := time.Now()
			s.want(s.do("GET", "/api/card/templates/", user, nil), 200, "")
			slowest = max(slowest, time.Since(t0))
			time.Sleep(50 * time.Millisecond)
		}
		wg.Wait()
		t.Logf("%d QR codes zipped in %s; slowest other request meanwhile %s", qrZipCards, genTook, slowest)
		if slowest > 2*time.Second {
			t.Errorf("a request took %s while the zip was built", slowest)
		}
	})
	must("generating answers 200 ready (or 202 processing past QRWait) with a signed link valid for 24 hours", func(t *testing.T) {
		// 200 once built within QRWait; on a loaded machine 202 "processing",
		// and the link below serves the zip once it is built.
		d := gen.data()
		switch {
		case gen.Status == 200 && num(d["generated_count"]) == qrZipCards && d["status"] == "ready":
		case gen.Status == 202 && d["status"] == "processing":
			t.Logf("the zip took longer than QRWait: 202, then the link")
		default:
			t.Fatalf("generate: %d %s", gen.Status, gen.Raw)
		}
		if num(d["batch_id"]) != bid {
			t.Fatalf("generate %s", gen.Raw)
		}
		var err error
		expires, err = time.Parse(time.RFC3339, d["expires_at"].(string))
		if err != nil || expires.Before(time.Now().Add(23*time.Hour)) {
			t.Fatalf("expires_at %v", d["expires_at"])
		}
		link = d["zip_download_url"].(string)
		if !strings.HasPrefix(link, srv.url+"/api/card/downloads/batches/") {
			t.Fatalf("link %s", link)
		}
	})
	t.Run("the link needs no login and serves a zip of a PNG per card named by its code", func(t *testing.T) {
		s := srv.in(t)
		r := s.do("GET", link, "", nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("download: %d %s %.200s", r.Status, r.Header.Get("Content-Type"), r.Raw)
		}
		zr, err := zip.NewReader(bytes.NewReader(r.Raw), int64(len(r.Raw)))
		if err != nil {
			t.Fatalf("not a zip: %v", err)
		}
		if len(zr.File) != qrZipCards {
			t.Fatalf("%d files in the zip", len(zr.File))
		}
		bc := b["batch_code"].(string)
		for i, f := range zr.File {
			id := num(b["start_id"]) + int64(i)
			if want := s.signer.Code(bc, id) + ".png"; f.Name != want {
				t.Fatalf("entry %d is %s, want %s", i, f.Name, want)
			}
			if i%997 != 0 && i != len(zr.File)-1 {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%s is not a PNG: %v", f.Name, err)
			}
			if w := img.Bounds().Dx(); w < 200 || w != img.Bounds().Dy() {
				t.Errorf("%s is %v", f.Name, img.Bounds())
			}
		}
	})
	t.Run("a second request reuses the file", func(t *testing.T) {
		s := srv.in(t)
		t0 := time.Now()
		s.want(s.do("POST", fmt.Sprintf("/api/card/batches/%d/generate_qrcodes/", bid), admin, nil), 200, "")
		if took := time.Since(t0); took > 2*time.Second {
			t.Errorf("second export took %s", took)
		}
	})
	t.Run("a forged signature is DOWNLOAD_LINK_INVALID", func(t *testing.T) {
		s := srv.in(t)
		u, _ := url.Parse(link)
		q := u.Query()
		q.Set("signature", strings.Repeat("0", len(q.Get("signature"))))
		u.RawQuery = q.Encode()
		s.want(s.do("GET", u.String(), "", nil), 403, "DOWNLOAD_LINK_INVALID")
	})
	t.Run("an altered expiry is DOWNLOAD_LINK_INVALID", func(t *testing.T) {
		s := srv.in(t)
		u, _ := url.Parse(link)
		q := u.Query()
		q.Set("expires", fmt.Sprint(expires.Unix()+3600))
		u.RawQuery = q.Encode()
		s.want(s.do("GET", u.String(), "", nil), 403, "DOWNLOAD_LINK_INVALID")
	})
	t.Run("the link of one batch does not serve another", func(t *testing.T) {
		s := srv.in(t)
		other := strings.Replace(link, fmt.Sprintf("/batches/%d/", bid), fmt.Sprintf("/batches/%d/", bid+1), 1)
		s.want(s.do("GET", other, "", nil), 403, "DOWNLOAD_LINK_INVALID")
	})
	t.Run("an expired link is DOWNLOAD_LINK_EXPIRED", func(t *testing.T) {
		s := srv.in(t)
		s.clock.Skip(25 * time.Hour)
		s.want(s.do("GET", link, "", nil), 403, "DOWNLOAD_LINK_EXPIRED")
	})
}

func TestQRImage(t *testing.T) {
	t.Parallel()
	s := start(t, options{})
	tid := num(s.want(s.do("POST", "/api/card/templates/", "admin", map[string]any{"name": "t", "category": "song"}), 201, "").data()["id"])
	b := s.want(s.do("POST", "/api/card/batches/", "admin", map[string]any{"name": "b", "template": tid, "total_quantity": 2,
		"qr_code_base_url": "https://cards.example.org/c/"}), 201, "").data()
	code := s.signer.Code(b["batch_code"].(string), num(b["start_id"]))
	t.Run("a card's QR image is a PNG served without login", func(t *testing.T) {
		s := s.in(t)
		r := s.do("GET", "/api/card/qr/"+code+".png", "", nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("qr image: %d %s", r.Status, r.Raw)
		}
		if _, err := png.Decode(bytes.NewReader(r.Raw)); err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
	})
	t.Run("a card's qr_code is the batch's QR base URL and its code", func(t *testing.T) {
		s := s.in(t)
		r := s.want(s.do("GET", fmt.Sprintf("/api/card/cards/%d/", num(b["start_id"])), "admin", nil), 200, "")
		if r.data()["qr_code"] != "https://cards.example.org/c/"+code {
			t.Errorf("qr_code %v", r.data()["qr_code"])
		}
	})
}
