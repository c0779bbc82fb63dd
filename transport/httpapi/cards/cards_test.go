package cards_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWalkthrough follows 002's flow on the whole server: one t.Run per rule,
// in order, each building on what the ones before did. A step whose result
// later steps need stops the test when it fails.
func TestWalkthrough(t *testing.T) {
	t.Parallel()
	srv, app := startApp(t)
	admin := app.AdminBearer(t)
	alice, bob := app.NewUser(t), app.NewUser(t)
	must := func(name string, rule func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, rule) {
			t.FailNow()
		}
	}
	tmplBody := map[string]any{
		"name": "舞蹈卡片模板", "category": "dance", "description": "用于舞蹈技能学习的卡片",
		"image":      "https://example.com/card_templates/dance_template.jpg",
		"attributes": map[string]any{"difficulty": "初级", "duration": "30分钟", "style": "现代舞"},
		"rarity":     "common",
	}
	today := time.Now().UTC().Format("20060102")
	var (
		tid, bid int64
		batch    map[string]any
		code     string
		log      map[string]any
		other    string
	)

	t.Run("anonymous and forged credentials are UNAUTHORIZED", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("GET", "/api/card/templates/", "", nil), 401, "UNAUTHORIZED")
		s.want(s.do("GET", "/api/card/templates/", "Bearer forged.jwt.token", nil), 401, "UNAUTHORIZED")
	})
	t.Run("a user may not create a template", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("POST", "/api/card/templates/", alice.Bearer, tmplBody), 403, "INSUFFICIENT_PERMISSION")
	})
	must("an admin creates a template; the answer carries X-Event-Position", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("POST", "/api/card/templates/", admin, tmplBody), 201, "")
		tmpl := r.data()
		if tmpl["name"] != "舞蹈卡片模板" || tmpl["is_active"] != true || tmpl["attributes"].(map[string]any)["style"] != "现代舞" {
			t.Fatalf("template %v", tmpl)
		}
		if r.Header.Get("X-Event-Position") == "" {
			t.Error("a command answer carries X-Event-Position")
		}
		tid = num(tmpl["id"])
	})
	must("an admin creates a batch: default code, contiguous ids, unpublished", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("POST", "/api/card/batches/", admin, map[string]any{
			"name": "2023年第一批舞蹈卡片", "template": tid, "total_quantity": 1000, "expiry_date": "2099-12-31"}), 201, "")
		batch = r.data()
		if batch["batch_code"] != "DANCE_"+today+"_001" || num(batch["start_id"]) != 1 || num(batch["end_id"]) != 1000 ||
			num(batch["generated_quantity"]) != 1000 || num(batch["used_quantity"]) != 0 || batch["is_published"] != false ||
			batch["template_name"] != "舞蹈卡片模板" || batch["category"] != "dance" || batch["expiry_date"] != "2099-12-31" {
			t.Fatalf("batch %v", batch)
		}
		bid = num(batch["id"])
	})
	t.Run("a user does not see the unpublished batch", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("GET", fmt.Sprintf("/api/card/batches/%d/", bid), alice.Bearer, nil), 404, "BATCH_NOT_FOUND")
		if r := s.want(s.do("GET", "/api/card/batches/", alice.Bearer, nil), 200, ""); num(r.data()["count"]) != 0 {
			t.Errorf("user sees unpublished batches: %s", r.Raw)
		}
	})
	t.Run("a user may not list another user's cards", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("GET", fmt.Sprintf("/api/card/cards/?user=%d", int64(bob.ID)), alice.Bearer, nil), 403, "INSUFFICIENT_PERMISSION")
	})
	must("the admin lists the batch's cards, page 2 of 10 per page, with absolute links", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("GET", fmt.Sprintf("/api/card/cards/?batch=%d&page=2&page_size=10", bid), admin, nil), 200, "")
		if num(r.data()["count"]) != 1000 || len(r.results()) != 10 {
			t.Fatalf("cards page %s", r.Raw)
		}
		if next := r.data()["next"].(string); !strings.HasPrefix(next, s.url+"/api/card/cards/?") || !strings.Contains(next, "page=3") || !strings.Contains(next, "page_size=10") {
			t.Errorf("next %s", next)
		}
		if prev := r.data()["previous"].(string); strings.Contains(prev, "page=") && !strings.Contains(prev, "page_size=10") {
			t.Errorf("previous %s", prev)
		}
		card := r.results()[0].(map[string]any)
		code = card["card_code"].(string)
		if num(card["id"]) != 11 || !strings.HasPrefix(code, "DANCE_"+today+"_001_11-") || card["is_used"] != false ||
			card["qr_code"] != "https://example.com/cards/"+code || card["expires_at"] != "2099-12-31T23:59:59Z" ||
			card["qr_code_image"] != s.url+"/api/card/qr/"+code+".png" || card["batch_name"] != "2023年第一批舞蹈卡片" {
			t.Fatalf("card %v", card)
		}
	})
	must("a card of an unpublished batch is refused until the batch is published", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("POST", "/api/card/cards/use/", alice.Bearer, map[string]any{"card_code": code}), 400, "BATCH_NOT_PUBLISHED")
		r := s.want(s.do("POST", fmt.Sprintf("/api/card/batches/%d/publish/", bid), admin, nil), 200, "")
		if r.data()["is_published"] != true {
			t.Fatalf("publish %s", r.Raw)
		}
	})
	must("a user uses the card", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("POST", "/api/card/cards/use/", alice.Bearer, map[string]any{"card_code": code}), 200, "")
		use := r.data()
		if use["message"] != "卡片使用成功!您获得了舞蹈技能:现代舞(初级)" {
			t.Errorf("message %v", use["message"])
		}
		ucard := use["card"].(map[string]any)
		log = use["usage_log"].(map[string]any)
		if num(ucard["id"]) != 11 || ucard["card_code"] != code || ucard["template"].(map[string]any)["category"] != "dance" ||
			num(log["card"]) != 11 || num(log["user"]) != int64(alice.ID) || log["user_agent"] != "cards-test/1.0" || log["ip_address"] != "127.0.0.1" {
			t.Fatalf("use %s", r.Raw)
		}
	})
	t.Run("a second use is CARD_ALREADY_USED with who and when", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("POST", "/api/card/cards/use/", bob.Bearer, map[string]any{"card_code": code}), 400, "CARD_ALREADY_USED")
		d := r.Body["details"].(map[string]any)
		if d["used_by"] != alice.Username || d["used_at"] != log["used_at"].(string)[:19]+"Z" || d["card_code"] != code || r.Body["message"] != "卡片已被使用" {
			t.Errorf("already used %s (first use at %v)", r.Raw, log["used_at"])
		}
	})

	// Read your writes: the user's cards, the card, the batch counters.
	t.Run("the user's cards show the use at once", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("GET", "/api/card/user/cards/", alice.Bearer, nil), 200, "")
		if num(r.data()["count"]) != 1 {
			t.Fatalf("user cards %s", r.Raw)
		}
		uc := r.results()[0].(map[string]any)
		if num(uc["usage_log_id"]) != 11 || uc["card"].(map[string]any)["template"].(map[string]any)["rarity"] != "common" || uc["ip_address"] != "127.0.0.1" {
			t.Errorf("user card %v", uc)
		}
	})
	t.Run("a user sees the card they used, and no other; an admin sees any", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("GET", "/api/card/cards/11/", alice.Bearer, nil), 200, "")
		if r.data()["is_used"] != true || num(r.data()["used_by"]) != int64(alice.ID) || r.data()["batch"].(map[string]any)["name"] != "2023年第一批舞蹈卡片" ||
			r.data()["template"].(map[string]any)["attributes"].(map[string]any)["difficulty"] != "初级" {
			t.Errorf("card detail %s", r.Raw)
		}
		s.want(s.do("GET", "/api/card/cards/12/", alice.Bearer, nil), 404, "CARD_NOT_FOUND")
		s.want(s.do("GET", "/api/card/cards/12/", admin, nil), 200, "")
	})
	t.Run("a user's card list holds the cards they used", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("GET", "/api/card/cards/", alice.Bearer, nil), 200, "")
		if num(r.data()["count"]) != 1 || num(r.results()[0].(map[string]any)["id"]) != 11 {
			t.Errorf("a user's card list %s", r.Raw)
		}
	})
	t.Run("the batch's used quantity counts the use", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("GET", fmt.Sprintf("/api/card/batches/%d/", bid), alice.Bearer, nil), 200, "")
		if num(r.data()["used_quantity"]) != 1 {
			t.Errorf("batch counters %s", r.Raw)
		}
	})
	t.Run("the category lists the batch with what is left", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("GET", "/api/card/category/dance/", alice.Bearer, nil), 200, "")
		av := r.data()["templates"].([]any)[0].(map[string]any)["available_batches"].([]any)[0].(map[string]any)
		if num(av["available_quantity"]) != 999 || num(av["id"]) != bid {
			t.Errorf("category %s", r.Raw)
		}
	})
	t.Run("the admin filters cards by use; page_size is capped at 100", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("GET", "/api/card/cards/?is_used=true", admin, nil), 200, "")
		if num(r.data()["count"]) != 1 {
			t.Errorf("used cards %s", r.Raw)
		}
		r = s.want(s.do("GET", "/api/card/cards/?is_used=false&page_size=1000", admin, nil), 200, "")
		if num(r.data()["count"]) != 999 || len(r.results()) != 100 {
			t.Errorf("unused cards: count %v, %d results", r.data()["count"], len(r.results()))
		}
	})
	t.Run("statistics are for admins only", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("GET", "/api/card/statistics/", alice.Bearer, nil), 403, "INSUFFICIENT_PERMISSION")
	})
	t.Run("statistics agree with what happened", func(t *testing.T) {
		s := srv.in(t)
		day := time.Now().UTC().Format("2006-01-02")
		r := s.want(s.do("GET", "/api/card/statistics/?start_date="+day+"&end_date="+day, admin, nil), 200, "")
		sum := r.data()["summary"].(map[string]any)
		if num(sum["total_cards"]) != 1000 || num(sum["used_cards"]) != 1 || sum["usage_rate"] != 0.1 || num(sum["unique_users"]) != 1 {
			t.Errorf("summary %v", sum)
		}
		daily := r.data()["daily_usage"].([]any)
		if len(daily) != 1 || daily[0].(map[string]any)["date"] != day || num(daily[0].(map[string]any)["count"]) != 1 {
			t.Errorf("daily %v", daily)
		}
		if dance := r.data()["by_category"].(map[string]any)["dance"].(map[string]any); num(dance["used"]) != 1 || num(dance["total"]) != 1000 {
			t.Errorf("by category %v", r.data()["by_category"])
		}
	})
	must("PUT of a batch renames it and moves its expiry date, keeping its counters", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("PUT", fmt.Sprintf("/api/card/batches/%d/", bid), admin, map[string]any{"name": "改名", "expiry_date": "2000-01-01"}), 200, "")
		if r.data()["name"] != "改名" || r.data()["expiry_date"] != "2000-01-01" || num(r.data()["used_quantity"]) != 1 {
			t.Fatalf("put batch %s", r.Raw)
		}
	})
	other = srv.signer.Code(batch["batch_code"].(string), 12)
	t.Run("a card past its batch's expiry date is CARD_EXPIRED", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("POST", "/api/card/cards/use/", alice.Bearer, map[string]any{"card_code": other}), 400, "CARD_EXPIRED")
	})
	t.Run("a batch cannot grow: BATCH_FULL", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("PUT", fmt.Sprintf("/api/card/batches/%d/", bid), admin, map[string]any{"name": "x", "total_quantity": 1001}), 400, "BATCH_FULL")
		s.want(s.do("POST", "/api/card/cards/", admin, map[string]any{"batch": bid}), 400, "BATCH_FULL")
	})
	t.Run("PUT of a template keeps the attributes it does not give", func(t *testing.T) {
		s := srv.in(t)
		r := s.want(s.do("PUT", fmt.Sprintf("/api/card/templates/%d/", tid), admin, map[string]any{"name": "新模板", "category": "dance", "rarity": "epic"}), 200, "")
		if r.data()["rarity"] != "epic" || r.data()["attributes"].(map[string]any)["style"] != "现代舞" {
			t.Errorf("put template %s", r.Raw)
		}
	})
	t.Run("a deleted template is neither found nor listed", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("DELETE", fmt.Sprintf("/api/card/templates/%d/", tid), admin, nil), 200, "")
		s.want(s.do("GET", fmt.Sprintf("/api/card/templates/%d/", tid), admin, nil), 404, "TEMPLATE_NOT_FOUND")
		if r := s.want(s.do("GET", "/api/card/templates/", admin, nil), 200, ""); num(r.data()["count"]) != 0 {
			t.Errorf("deleted template listed: %s", r.Raw)
		}
	})
	t.Run("a deleted batch hides its cards, which can no longer be used", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("DELETE", fmt.Sprintf("/api/card/batches/%d/", bid), admin, nil), 200, "")
		s.want(s.do("GET", "/api/card/cards/11/", admin, nil), 404, "CARD_NOT_FOUND")
		s.want(s.do("POST", "/api/card/cards/use/", alice.Bearer, map[string]any{"card_code": other}), 404, "CARD_NOT_FOUND")
	})
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	s := start(t, options{})
	tid := num(s.want(s.do("POST", "/api/card/templates/", "admin", map[string]any{"name": "t", "category": "song"}), 201, "").data()["id"])
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		code, field  string
	}{
		{"POST", "/api/card/templates/", "{not json", 400, "INVALID_INPUT", "body"},
		{"POST", "/api/card/templates/", "[1,2]", 400, "INVALID_INPUT", "body"},
		{"POST", "/api/card/templates/", `{"name": 5, "category": "song"}`, 400, "INVALID_INPUT", "name"},
		{"POST", "/api/card/templates/", map[string]any{"category": "song"}, 400, "INVALID_INPUT", "name"},
		{"POST", "/api/card/templates/", map[string]any{"name": "x"}, 400, "INVALID_INPUT", "category"},
		{"POST", "/api/card/templates/", map[string]any{"name": "x", "category": "food"}, 400, "INVALID_INPUT", "category"},
		{"POST", "/api/card/templates/", map[string]any{"name": "x", "category": "song", "rarity": "mythic"}, 400, "INVALID_INPUT", "rarity"},
		{"POST", "/api/card/templates/", map[string]any{"name": "x", "category": "song", "is_active": "maybe"}, 400, "INVALID_INPUT", "is_active"},
		{"POST", "/api/card/templates/", map[string]any{"name": "x", "category": "song", "attributes": "loud"}, 400, "INVALID_INPUT", "attributes"},
		{"POST", "/api/card/templates/", map[string]any{"name": "x", "category": "song", "attributes": map[string]any{"bpm": "fast"}}, 400, "INVALID_INPUT", "attributes.bpm"},
		{"POST", "/api/card/templates/", map[string]any{"name": "x", "category": "song", "attributes": map[string]any{"color": "red"}}, 400, "INVALID_INPUT", "attributes.color"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": tid}, 400, "INVALID_INPUT", "total_quantity"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": tid, "total_quantity": "many"}, 400, "INVALID_INPUT", "total_quantity"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": tid, "total_quantity": 1.5}, 400, "INVALID_INPUT", "total_quantity"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": tid, "total_quantity": 0}, 400, "INVALID_INPUT", "total_quantity"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": tid, "total_quantity": 10001}, 400, "INVALID_INPUT", "total_quantity"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": 999999, "total_quantity": 5}, 400, "INVALID_INPUT", "template"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": "x", "total_quantity": 5}, 400, "INVALID_INPUT", "template"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": tid, "total_quantity": 5, "expiry_date": "2020-13-01"}, 400, "INVALID_INPUT", "expiry_date"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": tid, "total_quantity": 5, "expiry_date": 20991231}, 400, "INVALID_INPUT", "expiry_date"},
		{"POST", "/api/card/batches/", map[string]any{"name": "b", "template": tid, "total_quantity": 5, "batch_code": "有空格 的"}, 400, "INVALID_INPUT", "batch_code"},
		{"POST", "/api/card/cards/use/", map[string]any{}, 400, "INVALID_INPUT", "card_code"},
		{"POST", "/api/card/cards/use/", map[string]any{"card_code": 42}, 400, "INVALID_INPUT", "card_code"},
		{"POST", "/api/card/cards/use/", "nope", 400, "INVALID_INPUT", "body"},
		{"GET", "/api/card/templates/?category=food", nil, 400, "INVALID_INPUT", "category"},
		{"GET", "/api/card/templates/?is_active=perhaps", nil, 400, "INVALID_INPUT", "is_active"},
		{"GET", "/api/card/templates/?page=abc", nil, 400, "INVALID_INPUT", "page"},
		{"GET", "/api/card/templates/?page_size=0", nil, 400, "INVALID_INPUT", "page_size"},
		{"GET", "/api/card/templates/?page=9", nil, 404, "INVALID_PAGE", ""},
		{"GET", "/api/card/cards/?batch=x", nil, 400, "INVALID_INPUT", "batch"},
		{"GET", "/api/card/cards/?is_used=2", nil, 400, "INVALID_INPUT", "is_used"},
		{"GET", "/api/card/user/cards/?start_date=yesterday", nil, 400, "INVALID_INPUT", "start_date"},
		{"GET", "/api/card/statistics/?start_date=2024-02-01&end_date=2024-01-01", nil, 400, "INVALID_INPUT", "start_date"},
		{"GET", "/api/card/category/food/", nil, 400, "INVALID_INPUT", "category"},
		{"GET", "/api/card/templates/abc/", nil, 404, "TEMPLATE_NOT_FOUND", ""},
		{"GET", "/api/card/templates/999999/", nil, 404, "TEMPLATE_NOT_FOUND", ""},
		{"PUT", "/api/card/templates/999999/", map[string]any{"name": "x", "category": "song"}, 404, "TEMPLATE_NOT_FOUND", ""},
		{"PUT", fmt.Sprintf("/api/card/templates/%d/", tid), map[string]any{"name": "x", "category": "dance"}, 400, "INVALID_INPUT", "category"},
		{"PUT", fmt.Sprintf("/api/card/templates/%d/", tid), map[string]any{"category": "song"}, 400, "INVALID_INPUT", "name"},
		{"GET", "/api/card/batches/-1/", nil, 404, "BATCH_NOT_FOUND", ""},
		{"DELETE", "/api/card/batches/999999/", nil, 404, "BATCH_NOT_FOUND", ""},
		{"POST", "/api/card/batches/999999/generate_qrcodes/", nil, 404, "BATCH_NOT_FOUND", ""},
		{"GET", "/api/card/cards/99999999999/", nil, 404, "CARD_NOT_FOUND", ""},
		{"GET", "/api/card/cards/zz/", nil, 404, "CARD_NOT_FOUND", ""},
		{"PUT", "/api/card/cards/1/", map[string]any{}, 405, "METHOD_NOT_ALLOWED", ""},
		{"DELETE", "/api/card/cards/1/", nil, 405, "METHOD_NOT_ALLOWED", ""},
		{"GET", "/api/card/cards/use/", nil, 405, "METHOD_NOT_ALLOWED", ""},
		{"POST", "/api/card/cards/", map[string]any{}, 400, "INVALID_INPUT", "batch"},
		{"POST", "/api/card/cards/", map[string]any{"batch": 999999}, 400, "INVALID_INPUT", "batch"},
		{"GET", "/api/card/nothing-here/", nil, 404, "NOT_FOUND", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			s := s.in(t)
			r := s.do(tc.method, tc.path, "admin", tc.body)
			if tc.field != "" {
				s.want(r, tc.status, tc.code, tc.field)
				if !strings.Contains(r.Body["message"].(string), tc.field) {
					t.Errorf("message %q does not name %s", r.Body["message"], tc.field)
				}
			} else {
				s.want(r, tc.status, tc.code)
			}
		})
	}
	t.Run("paths answer without the trailing slash too", func(t *testing.T) {
		s := s.in(t)
		s.want(s.do("GET", "/api/card/templates", "admin", nil), 200, "")
	})
	t.Run("METHOD_NOT_ALLOWED names the allowed methods in Allow", func(t *testing.T) {
		s := s.in(t)
		if r := s.do("PUT", "/api/card/cards/1/", "admin", map[string]any{}); r.Header.Get("Allow") != "GET" {
			t.Errorf("Allow %q", r.Header.Get("Allow"))
		}
	})
}

func TestForgedCardCodes(t *testing.T) {
	t.Parallel()
	s := start(t, options{})
	tid := num(s.want(s.do("POST", "/api/card/templates/", "admin", map[string]any{"name": "t", "category": "game",
		"attributes": map[string]any{"genre": "RPG", "players": 4}}), 201, "").data()["id"])
	b := s.want(s.do("POST", "/api/card/batches/", "admin", map[string]any{"name": "b", "template": tid, "total_quantity": 3, "is_published": true}), 201, "").data()
	bc := b["batch_code"].(string)
	real := s.signer.Code(bc, 2)
	forged := []string{
		bc + "_2",                              // the documented shape without check
		real[:len(real)-1] + "0",               // a changed check
		strings.Replace(real, "_2-", "_3-", 1), // another card with this card's check
		bc + "_1-AAAAAAAAAAAA",
		"NOPE_1-AAAAAAAAAAAA",
		"' OR 1=1 --",
		strings.Repeat("X", 5000),
	}
	if forged[1] == real {
		forged[1] = real[:len(real)-1] + "1"
	}
	for i, code := range forged {
		t.Run(fmt.Sprintf("forged code %d is CARD_NOT_FOUND, revealing nothing, for a use and a QR image", i), func(t *testing.T) {
			s := s.in(t)
			r := s.want(s.do("POST", "/api/card/cards/use/", "user5", map[string]any{"card_code": code}), 404, "CARD_NOT_FOUND")
			if r.Body["message"] != "卡片不存在" {
				t.Errorf("message %v", r.Body["message"])
			}
			if d := r.Body["details"].(map[string]any); len(d) != 0 {
				t.Errorf("a forged code reveals %v", d)
			}
			s.want(s.do("GET", "/api/card/qr/"+code+".png", "", nil), 404, "CARD_NOT_FOUND")
		})
	}
	t.Run("the real code is accepted in lower case", func(t *testing.T) {
		s := s.in(t)
		r := s.want(s.do("POST", "/api/card/cards/use/", "user5", map[string]any{"card_code": strings.ToLower(real)}), 200, "")
		if r.data()["message"] != "卡片使用成功!您获得了游戏技能:RPG" {
			t.Errorf("message %v", r.data()["message"])
		}
	})
}

// TestConcurrentUsesOverHTTP: of 100 simultaneous requests for one card
// exactly one succeeds; the others are CARD_ALREADY_USED naming the winner.
func TestConcurrentUsesOverHTTP(t *testing.T) {
	t.Parallel()
	s := start(t, options{})
	tid := num(s.want(s.do("POST", "/api/card/templates/", "admin", map[string]any{"name": "t", "category": "song"}), 201, "").data()["id"])
	b := s.want(s.do("POST", "/api/card/batches/", "admin", map[string]any{"name": "b", "template": tid, "total_quantity": 5, "is_published": true}), 201, "").data()
	code := s.signer.Code(b["batch_code"].(string), num(b["start_id"])+2)
	const n = 100
	results := make([]response, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			results[i] = s.do("POST", "/api/card/cards/use/", fmt.Sprintf("user%d", i+2), map[string]any{"card_code": code})
		}()
	}
	close(gate)
	wg.Wait()
	winner := ""
	if !t.Run("exactly one use succeeds, the others are CARD_ALREADY_USED", func(t *testing.T) {
		for i, r := range results {
			switch {
			case r.Status == 200:
				if winner != "" {
					t.Fatalf("two successful uses: %s and user%d", winner, i+2)
				}
				winner = fmt.Sprintf("user%d", i+2)
			case r.Status == 400 && r.Body["error_code"] == "CARD_ALREADY_USED":
			default:
				t.Fatalf("request %d: %d %s", i, r.Status, r.Raw)
			}
		}
		if winner == "" {
			t.Fatal("no use succeeded")
		}
	}) {
		t.FailNow()
	}
	t.Run("every refusal names the winner", func(t *testing.T) {
		for _, r := range results {
			if r.Status == 400 && r.Body["details"].(map[string]any)["used_by"] != winner {
				t.Fatalf("used_by %v, winner %s", r.Body["details"], winner)
			}
		}
	})
	t.Run("the card is used once", func(t *testing.T) {
		s := s.in(t)
		if r := s.want(s.do("GET", "/api/card/cards/?is_used=true", "admin", nil), 200, ""); num(r.data()["count"]) != 1 {
			t.Errorf("used cards %s", r.Raw)
		}
	})
}

func TestFormBodies(t *testing.T) {
	t.Parallel()
	s := start(t, options{})
	req := func(t *testing.T, body string) response {
		t.Helper()
		r, err := http.NewRequest("POST", s.url+"/api/card/templates/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Authorization", "Bearer admin")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		out := response{Status: resp.StatusCode, Raw: raw}
		_ = json.Unmarshal(raw, &out.Body)
		return out
	}
	t.Run("a form body's text fields are read as their types", func(t *testing.T) {
		s := s.in(t)
		r := s.want(req(t, "name=%E8%A1%A3&category=clothing&is_active=false&rarity=epic"), 201, "")
		if r.data()["is_active"] != false || r.data()["rarity"] != "epic" {
			t.Errorf("form template %s", r.Raw)
		}
	})
	t.Run("a form field of the wrong type is INVALID_INPUT naming it", func(t *testing.T) {
		s := s.in(t)
		s.want(req(t, "name=x&category=clothing&is_active=perhaps"), 400, "INVALID_INPUT", "is_active")
	})
}
