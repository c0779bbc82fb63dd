package hhu_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// The HHU WeChat mini-program (hhusjr/wechathhu-client, /work/shared/clients.md
// §4), replayed call by call: wx.request sends the Token header,
// content-type application/json (for GETs too, the data as the query) and
// WeChat's fixed Referer; the page code takes 200/201/204 as success, reads
// the fields checked here with the JSON types checked here, and a 400's
// message from <field>[0], non_field_errors[0] or detail.

// miniProgram is the mini-program's wx.request.
type miniProgram struct {
	s     *apptest.Server
	token string
}

// referer is what wx.request sends (https://servicewechat.com/{appid}/{version}/page-frame.html).
const referer = hhu.MiniProgramReferer + "wx398da70b27188a31/3/page-frame.html"

// call sends one request: data is the query of a GET, the JSON body
// otherwise (nil: none).
func (m *miniProgram) call(t *testing.T, method, path string, data map[string]any) apptest.Response {
	t.Helper()
	var body []byte
	if data != nil && method == http.MethodGet {
		q := url.Values{}
		for k, v := range data {
			q.Set(k, fmt.Sprint(v))
		}
		path += "?" + q.Encode()
	} else if data != nil {
		body, _ = json.Marshal(data)
	}
	req, err := http.NewRequest(method, m.s.URL+path, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Referer", referer)
	if m.token != "" {
		req.Header.Set("Authorization", "Token "+m.token)
	}
	resp, err := m.s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// success fails unless the answer is one the page code takes as success.
func success(t *testing.T, r apptest.Response, what string) apptest.Response {
	t.Helper()
	if r.Status != http.StatusOK && r.Status != http.StatusCreated && r.Status != http.StatusNoContent {
		t.Fatalf("%s: %d %s (the mini-program shows 未知错误 for anything but 200/201/204)", what, r.Status, r.Body)
	}
	return r
}

// kind is the JSON type of a decoded value.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// reads checks that obj has each field the client reads with one of its
// kinds ("string", "number|null", …).
func reads(t *testing.T, what string, obj any, fields map[string]string) {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s: %s, want an object", what, kind(obj))
	}
	for name, kinds := range fields {
		v, present := m[name]
		if !present {
			t.Errorf("%s: no %q in %v", what, name, m)
			continue
		}
		if !slices.Contains(strings.Split(kinds, "|"), kind(v)) {
			t.Errorf("%s: %q is %s (%v), want %s", what, name, kind(v), v, kinds)
		}
	}
}

// decode is the answer's JSON.
func decode(t *testing.T, r apptest.Response) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return v
}

// list is the answer as a bare list.
func list(t *testing.T, r apptest.Response, what string) []any {
	t.Helper()
	l, ok := decode(t, r).([]any)
	if !ok {
		t.Fatalf("%s: %s, want a bare list", what, r.Body)
	}
	return l
}

// results is the DRF page's results.
func results(t *testing.T, r apptest.Response, what string) []any {
	t.Helper()
	page, ok := decode(t, r).(map[string]any)
	if !ok {
		t.Fatalf("%s: %s, want a page", what, r.Body)
	}
	l, ok := page["results"].([]any)
	if !ok {
		t.Fatalf("%s: results is %s", what, kind(page["results"]))
	}
	return l
}

func TestMiniProgramClient(t *testing.T) {
	t.Parallel()
	wx, withWeChat := apptest.WithWeChat(t, nil)
	s := apptest.Start(t, withWeChat)
	admin := s.HHUAdminToken(t)
	teacher := s.NewUser(t) // an account the mini-program logs in with
	colleague := s.NewHHUStaff(t)
	dept := s.Do(t, "POST", "/api/admin/hhu/departments/", admin, map[string]any{"name": "计算机系"}).Want(t, "department", http.StatusCreated).ID(t)
	app := &miniProgram{s: s}
	room := s.Do(t, "POST", "/api/admin/hhu/meetingrooms/", admin, map[string]any{"name": "A101", "location": "勤学楼", "label": "研讨室", "seats": 10}).
		Want(t, "room", http.StatusCreated).ID(t)
	day := apptest.FutureDay(7) // midnight, UTC+8
	now := time.Now()
	activity := s.CreateHHUActivity(t, admin, apptest.HHUActivity("春季学术活动", 30))
	other := s.CreateHHUActivity(t, admin, apptest.HHUActivity("秋季运动会", 0))
	items := fmt.Sprintf("/api/admin/hhu/activities/%d/clockin-items/", activity)
	signIn := s.Do(t, "POST", items, admin, map[string]any{"label": "签到", "open_from": apptest.ISO(now.Add(-time.Hour)), "open_to": apptest.ISO(now.Add(time.Hour))}).
		Want(t, "clock-in item", http.StatusCreated).ID(t)
	s.Do(t, "POST", items, admin, map[string]any{"label": "签退", "open_from": apptest.ISO(now.Add(time.Hour)), "open_to": apptest.ISO(now.Add(2 * time.Hour))}).
		Want(t, "clock-in item", http.StatusCreated)
	repairCat := s.Do(t, "POST", "/api/admin/hhu/repairs/categories/", admin, map[string]any{"name": "网络故障"}).Want(t, "repair category", http.StatusCreated).ID(t)
	guideCat := s.Do(t, "POST", "/api/admin/hhu/guides/categories/", admin, map[string]any{"name": "常用表格"}).Want(t, "guide category", http.StatusCreated).ID(t)
	pdf := []byte("%PDF-1.4 出差审批单")
	guide := s.UploadGuide(t, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "出差审批单", "category": fmt.Sprint(guideCat)},
		"出差审批单.pdf", pdf).Want(t, "guide", http.StatusCreated).ID(t)
	colleagueTok := s.HHUToken(t, colleague.Username, colleague.Password)
	s.Do(t, "PUT", "/current-user/meta/", colleagueTok, map[string]any{"name": "李四", "mobile": "13900000002"}).Want(t, "colleague meta", http.StatusOK)
	s.Do(t, "POST", "/reservations/", colleagueTok, map[string]any{"reserve_from": apptest.ISO(day.Add(10 * time.Hour)), "reserve_to": apptest.ISO(day.Add(11 * time.Hour)),
		"description": "组会", "meetingroom": room}).Want(t, "colleague's reservation", http.StatusCreated)

	t.Run("user/login.js: POST /auth/get-token/", func(t *testing.T) {
		r := success(t, app.call(t, "POST", "/auth/get-token/", map[string]any{"username": teacher.Username, "password": teacher.Password}), "get-token")
		reads(t, "get-token", decode(t, r), map[string]string{"token": "string"})
		app.token = decode(t, r).(map[string]any)["token"].(string)
	})
	t.Run("user/login.js: PUT /auth/wechat-auth/ {code}", func(t *testing.T) {
		success(t, app.call(t, "PUT", "/auth/wechat-auth/", map[string]any{"code": wx.Code("o-teacher")}), "wechat-auth")
	})
	t.Run("index.js: POST /auth/wechat-code2token/ {code}, no token", func(t *testing.T) {
		anon := &miniProgram{s: s}
		r := success(t, anon.call(t, "POST", "/auth/wechat-code2token/", map[string]any{"code": wx.Code("o-teacher")}), "code2token")
		reads(t, "code2token", decode(t, r), map[string]string{"token": "string"})
		app.token = decode(t, r).(map[string]any)["token"].(string)
	})
	t.Run("index.js: GET /current-user/", func(t *testing.T) {
		r := success(t, app.call(t, "GET", "/current-user/", nil), "current-user")
		reads(t, "current-user", decode(t, r), map[string]string{"first_name": "string", "last_name": "string", "email": "string",
			"username": "string", "department": "null|object"})
	})
	t.Run("change.js: GET /departments/", func(t *testing.T) {
		l := list(t, success(t, app.call(t, "GET", "/departments/", nil), "departments"), "departments")
		if len(l) == 0 {
			t.Fatal("no departments")
		}
		for _, d := range l {
			reads(t, "department", d, map[string]string{"id": "number", "name": "string"})
		}
	})
	t.Run("change.js: PUT /current-user/ {first_name, last_name, email, department}", func(t *testing.T) {
		r := success(t, app.call(t, "PUT", "/current-user/", map[string]any{"first_name": "三", "last_name": "张", "email": teacher.Username + "@hhu.edu.cn",
			"department": dept}), "put current-user")
		u := decode(t, r)
		reads(t, "put current-user", u, map[string]string{"first_name": "string", "last_name": "string", "email": "string", "username": "string",
			"department": "object"})
		reads(t, "department", u.(map[string]any)["department"], map[string]string{"id": "number", "name": "string"})
		if m := u.(map[string]any); m["first_name"] != "三" || m["last_name"] != "张" || m["department"].(map[string]any)["name"] != "计算机系" {
			t.Fatalf("put current-user: %s", r.Body)
		}
	})
	t.Run("change.js: PUT /current-user/ with a password, and a bad one's message at <field>[0]", func(t *testing.T) {
		success(t, app.call(t, "PUT", "/current-user/", map[string]any{"first_name": "三", "last_name": "张", "email": teacher.Username + "@hhu.edu.cn",
			"department": nil, "password": "a-new-Secret-42"}), "put password")
		s.Do(t, "POST", "/auth/get-token/", "", map[string]any{"username": teacher.Username, "password": "a-new-Secret-42"}).Want(t, "new password", http.StatusOK)
		r := app.call(t, "PUT", "/current-user/", map[string]any{"first_name": "", "last_name": "张", "email": "not an address", "department": 999999})
		errs := r.FieldErrors(t)
		for _, f := range []string{"first_name", "email", "department"} {
			if len(errs[f]) == 0 {
				t.Errorf("no %s[0] in %s", f, r.Body)
			}
		}
		success(t, app.call(t, "PUT", "/current-user/", map[string]any{"first_name": "三", "last_name": "张", "email": teacher.Username + "@hhu.edu.cn",
			"department": dept}), "put back")
	})
	meta := map[string]any{}
	t.Run("change.js: GET /current-user/meta/", func(t *testing.T) {
		r := success(t, app.call(t, "GET", "/current-user/meta/", nil), "meta")
		reads(t, "meta", decode(t, r), map[string]string{"phone": "string", "post": "string", "qq": "string", "tel": "string",
			"wechat": "string", "description": "string"})
		meta = decode(t, r).(map[string]any)
	})
	t.Run("change.js: PUT /current-user/meta/ the edited object", func(t *testing.T) {
		meta["phone"], meta["tel"], meta["post"], meta["qq"], meta["wechat"], meta["description"] = "13800000001", "025-83787000", "教授", "10001", "zhangsan", "研究方向：分布式系统"
		r := success(t, app.call(t, "PUT", "/current-user/meta/", meta), "put meta")
		reads(t, "put meta", decode(t, r), map[string]string{"phone": "string", "post": "string", "tel": "string"})
		got := decode(t, r).(map[string]any)
		if got["phone"] != "13800000001" || got["tel"] != "025-83787000" || got["post"] != "教授" || got["description"] != "研究方向：分布式系统" {
			t.Fatalf("put meta: %s", r.Body)
		}
		// 001's own names for the same entry: phone the landline, mobile the mobile.
		seed := s.Do(t, "GET", "/current-user/meta/", "Token "+app.token, nil).Want(t, "seed meta", http.StatusOK).Map(t)
		if seed["mobile"] != "13800000001" || seed["phone"] != "025-83787000" || seed["position"] != "教授" || seed["name"] != "张三" {
			t.Fatalf("seed meta: %v", seed)
		}
		r = app.call(t, "PUT", "/current-user/meta/", map[string]any{"qq": "not a number"})
		if errs := r.FieldErrors(t); len(errs["qq"]) == 0 {
			t.Fatalf("bad qq: %s", r.Body)
		}
	})
	var contact map[string]any
	t.Run("contact/contact.js: GET /contacts/?my=yes|no&search=", func(t *testing.T) {
		for _, q := range []map[string]any{{"my": "yes"}, {"my": "no"}, {"my": "no", "search": ""}, {"my": "no", "search": "张"}} {
			l := list(t, success(t, app.call(t, "GET", "/contacts/", q), "contacts"), fmt.Sprint("contacts ", q))
			for _, c := range l {
				reads(t, "contact", c, map[string]string{"alpha": "string", "fullname": "string", "phone": "string", "post": "string", "qq": "string",
					"tel": "string", "wechat": "string", "description": "string", "is_friend": "bool", "user_meta": "object"})
				reads(t, "user_meta", c.(map[string]any)["user_meta"], map[string]string{"id": "number", "last_name": "string", "email": "string",
					"department": "null|object"})
				if d := c.(map[string]any)["user_meta"].(map[string]any)["department"]; d != nil {
					reads(t, "user_meta.department", d, map[string]string{"name": "string"})
				}
			}
			if q["my"] == "no" && q["search"] == nil {
				for _, c := range l {
					if c.(map[string]any)["user"] == colleague.ID {
						contact = c.(map[string]any)
					}
				}
			}
			if q["search"] == "张" {
				if len(l) != 1 || l[0].(map[string]any)["fullname"] != "张三" || l[0].(map[string]any)["alpha"] != "Z" || l[0].(map[string]any)["phone"] != "13800000001" {
					t.Fatalf("search 张: %v", l)
				}
			}
		}
		if contact == nil {
			t.Fatal("the colleague is not in the address book")
		}
	})
	t.Run("contact/contact.js: POST and DELETE /friends/{user_meta.id}/", func(t *testing.T) {
		id := contact["user_meta"].(map[string]any)["id"]
		success(t, app.call(t, "POST", fmt.Sprintf("/friends/%v/", id), nil), "add friend")
		l := list(t, success(t, app.call(t, "GET", "/contacts/", map[string]any{"my": "yes"}), "my contacts"), "my contacts")
		if len(l) != 1 || l[0].(map[string]any)["is_friend"] != true {
			t.Fatalf("my=yes after adding: %v", l)
		}
		success(t, app.call(t, "DELETE", fmt.Sprintf("/friends/%v/", id), nil), "remove friend")
	})

	t.Run("activity/list.js: GET /activities/?my=&search=", func(t *testing.T) {
		for _, q := range []map[string]any{nil, {"my": "no"}, {"my": "yes"}, {"my": "no", "search": "春季"}} {
			l := results(t, success(t, app.call(t, "GET", "/activities/", q), "activities"), "activities")
			for _, a := range l {
				reads(t, "activity", a, map[string]string{"id": "number", "name": "string", "time_start": "string", "time_end": "string",
					"my_enrollment_count": "number", "enrollment_count": "number", "participants_total_limit": "number|null"})
			}
			switch {
			case q["my"] == "yes" && len(l) != 0:
				t.Fatalf("my=yes before enrolling: %v", l)
			case q["search"] == "春季" && (len(l) != 1 || l[0].(map[string]any)["name"] != "春季学术活动" || l[0].(map[string]any)["participants_total_limit"] != 30.0):
				t.Fatalf("search: %v", l)
			case q == nil && len(l) != 2:
				t.Fatalf("activities: %v", l)
			}
		}
	})
	var metas map[string]any
	t.Run("activity/detail.js, enroll.js: GET /activities/{id}/", func(t *testing.T) {
		a := decode(t, success(t, app.call(t, "GET", fmt.Sprintf("/activities/%d/", activity), nil), "activity"))
		reads(t, "activity", a, map[string]string{"name": "string", "time_start": "string", "time_end": "string", "location": "string",
			"participants_total_limit": "number|null", "my_enrollment_count": "number", "description": "string", "enrollment_count": "number",
			"id": "number", "form_metas": "string"})
		if err := json.Unmarshal([]byte(a.(map[string]any)["form_metas"].(string)), &metas); err != nil {
			t.Fatalf("form_metas is no JSON object: %v", err)
		}
		for name, f := range metas {
			reads(t, "form_metas."+name, f, map[string]string{"type": "string"})
			if typ := f.(map[string]any)["type"]; !slices.Contains([]string{"text", "textarea", "number", "radio", "checkbox"}, typ.(string)) {
				t.Errorf("form_metas.%s: type %v", name, typ)
			}
			if typ := f.(map[string]any)["type"]; typ == "radio" || typ == "checkbox" {
				reads(t, "form_metas."+name, f, map[string]string{"choices": "list"})
			}
		}
		if len(metas) != 5 || metas["姓名"] == nil || metas["尺码"].(map[string]any)["type"] != "radio" || metas["参加日期"].(map[string]any)["type"] != "checkbox" {
			t.Fatalf("form_metas: %v", metas)
		}
	})
	t.Run("activity/detail.js: GET /activities/clockins/{id}/", func(t *testing.T) {
		l := list(t, success(t, app.call(t, "GET", fmt.Sprintf("/activities/clockins/%d/", activity), nil), "clock-in items"), "clock-in items")
		if len(l) != 2 {
			t.Fatalf("clock-in items: %v", l)
		}
		for _, it := range l {
			reads(t, "clock-in item", it, map[string]string{"label": "string", "is_clockin": "bool"})
		}
	})
	// enroll.js: the values of the form it drew (text as typed, radio the
	// choice, checkbox the list of choices), JSON.stringify'd.
	answers := func(phone string) string {
		b, _ := json.Marshal(map[string]any{"姓名": "张三", "手机": phone, "尺码": "M", "参加日期": []string{"周六"}, "年龄": "35"})
		return string(b)
	}
	t.Run("activity/enroll.js: POST /enrollments/ {activity, participating_metas}", func(t *testing.T) {
		success(t, app.call(t, "POST", "/enrollments/", map[string]any{"activity": activity, "participating_metas": answers("13800000001")}), "enroll")
		a := decode(t, app.call(t, "GET", fmt.Sprintf("/activities/%d/", activity), nil)).(map[string]any)
		if a["my_enrollment_count"] != 1.0 || a["enrollment_count"] != 1.0 {
			t.Fatalf("after enrolling: %v", a)
		}
		for name, tc := range map[string]struct {
			body  map[string]any
			where string
		}{
			"again":          {map[string]any{"activity": activity, "participating_metas": answers("13800000001")}, "non_field_errors"},
			"a bad answer":   {map[string]any{"activity": other, "participating_metas": answers("not a phone")}, "non_field_errors"},
			"no such":        {map[string]any{"activity": 999999, "participating_metas": answers("13800000001")}, "activity"},
			"not JSON text":  {map[string]any{"activity": other, "participating_metas": "{"}, "non_field_errors"},
			"a missing one":  {map[string]any{"activity": other, "participating_metas": `{"尺码": "M"}`}, "non_field_errors"},
			"an unknown key": {map[string]any{"activity": other, "participating_metas": `{"姓名": "张三", "手机": "13800000001", "血型": "A"}`}, "non_field_errors"},
		} {
			r := app.call(t, "POST", "/enrollments/", tc.body)
			if errs := r.FieldErrors(t); len(errs[tc.where]) == 0 || errs[tc.where][0] == "" {
				t.Errorf("%s: no %s[0] in %s", name, tc.where, r.Body)
			}
		}
		r := app.call(t, "POST", "/enrollments/", map[string]any{"activity": other, "participating_metas": answers("not a phone")})
		if msg := r.FieldErrors(t)["non_field_errors"][0]; !strings.HasPrefix(msg, "手机：") {
			t.Errorf("a bad answer's message: %q", msg)
		}
	})
	t.Run("main.js: POST /activities/clockins/ {key: the scanned text}", func(t *testing.T) {
		qr := s.Do(t, "GET", fmt.Sprintf("/activities/clockins/%d/qr/?item=%d", activity, signIn), admin, nil).Want(t, "qr", http.StatusOK).Map(t)
		r := success(t, app.call(t, "POST", "/activities/clockins/", map[string]any{"key": qr["code"]}), "clock in")
		reads(t, "clocked in", decode(t, r), map[string]string{"label": "string", "activity_name": "string"})
		if m := decode(t, r).(map[string]any); m["label"] != "签到" || m["activity_name"] != "春季学术活动" {
			t.Fatalf("clocked in: %s", r.Body)
		}
		for name, key := range map[string]any{"again": qr["code"], "a forged code": "ci1.1.1.forged", "no code at all": "https://example.com/", "the original's base64": "eyJhY3Rpdml0eV9pZCI6IDF9"} {
			r := app.call(t, "POST", "/activities/clockins/", map[string]any{"key": key})
			if r.Status != http.StatusBadRequest || kind(decode(t, r).(map[string]any)["detail"]) != "string" {
				t.Errorf("%s: %d %s, want 400 with detail", name, r.Status, r.Body)
			}
		}
		l := list(t, app.call(t, "GET", fmt.Sprintf("/activities/clockins/%d/", activity), nil), "clock-in items")
		if l[0].(map[string]any)["label"] != "签到" || l[0].(map[string]any)["is_clockin"] != true || l[1].(map[string]any)["is_clockin"] != false {
			t.Fatalf("clock-in items after clocking in: %v", l)
		}
	})

	// reservation/reserve.js: moment(date + ' 00:00:00').utc().format() … ' 23:59:59'.
	utc := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
	t.Run("reservation/reserve.js: GET /meetingrooms/available/?query_from&query_to&people_count", func(t *testing.T) {
		for _, q := range []map[string]any{
			{"query_from": utc(day), "query_to": utc(day.Add(24*time.Hour - time.Second))},
			{"query_from": utc(day), "query_to": utc(day.Add(24*time.Hour - time.Second)), "people_count": 4},
		} {
			l := list(t, success(t, app.call(t, "GET", "/meetingrooms/available/", q), "available"), "available")
			if len(l) != 1 {
				t.Fatalf("available %v: %v", q, l)
			}
			reads(t, "room day", l[0], map[string]string{"meetingroom": "object", "reservations": "list"})
			reads(t, "meetingroom", l[0].(map[string]any)["meetingroom"], map[string]string{"id": "number", "name": "string", "seats_count": "number"})
			booked := l[0].(map[string]any)["reservations"].([]any)
			if len(booked) != 1 {
				t.Fatalf("bookings: %v", booked)
			}
			reads(t, "booking", booked[0], map[string]string{"time_range": "list", "reserve_user": "string", "contact": "string|null", "description": "string"})
			b := booked[0].(map[string]any)
			tr := b["time_range"].([]any)
			if len(tr) != 2 || kind(tr[0]) != "string" || !strings.Contains(b["reserve_user"].(string), "李四") || b["contact"] != "13900000002" {
				t.Fatalf("booking: %v", b)
			}
		}
		if l := list(t, success(t, app.call(t, "GET", "/meetingrooms/available/", map[string]any{"query_from": utc(day),
			"query_to": utc(day.Add(24*time.Hour - time.Second)), "people_count": 11}), "available"), "too many people"); len(l) != 0 {
			t.Fatalf("11 people: %v", l)
		}
	})
	var mine float64
	t.Run("reservation/reserve.js: POST /reservations/ {reserve_from, reserve_to, description, meetingroom_object}", func(t *testing.T) {
		success(t, app.call(t, "POST", "/reservations/", map[string]any{"reserve_from": utc(day.Add(14 * time.Hour)), "reserve_to": utc(day.Add(15 * time.Hour)),
			"description": "答辩", "meetingroom_object": room}), "reserve")
		for name, body := range map[string]map[string]any{
			"taken":     {"reserve_from": utc(day.Add(10 * time.Hour)), "reserve_to": utc(day.Add(11 * time.Hour)), "description": "x", "meetingroom_object": room},
			"too long":  {"reserve_from": utc(day.Add(16 * time.Hour)), "reserve_to": utc(day.Add(20 * time.Hour)), "description": "x", "meetingroom_object": room},
			"no room":   {"reserve_from": utc(day.Add(16 * time.Hour)), "reserve_to": utc(day.Add(17 * time.Hour)), "description": "x", "meetingroom_object": 999},
			"bad times": {"reserve_from": "tomorrow", "reserve_to": utc(day.Add(17 * time.Hour)), "description": "x", "meetingroom_object": room},
		} {
			r := app.call(t, "POST", "/reservations/", body)
			if errs := r.FieldErrors(t); len(errs["non_field_errors"]) == 0 || errs["non_field_errors"][0] == "" {
				t.Errorf("%s: no non_field_errors[0] in %s", name, r.Body)
			}
		}
	})
	t.Run("reservation/my.js: GET /reservations/", func(t *testing.T) {
		l := results(t, success(t, app.call(t, "GET", "/reservations/", nil), "my reservations"), "my reservations")
		if len(l) != 1 {
			t.Fatalf("my reservations: %v", l)
		}
		reads(t, "reservation", l[0], map[string]string{"id": "number", "reserve_from": "string", "reserve_to": "string", "description": "string",
			"meetingroom": "object"})
		reads(t, "meetingroom", l[0].(map[string]any)["meetingroom"], map[string]string{"name": "string", "location": "string", "seats_count": "number"})
		mine = l[0].(map[string]any)["id"].(float64)
	})
	t.Run("repair/request.js: GET /repairs/categories/", func(t *testing.T) {
		l := list(t, success(t, app.call(t, "GET", "/repairs/categories/", nil), "repair categories"), "repair categories")
		if len(l) != 1 {
			t.Fatalf("repair categories: %v", l)
		}
		reads(t, "repair category", l[0], map[string]string{"id": "number", "name": "string"})
	})
	t.Run("repair/request.js: POST /repairs/ {description, location, category}", func(t *testing.T) {
		success(t, app.call(t, "POST", "/repairs/", map[string]any{"description": "网络不通", "location": "勤学楼 101", "category": repairCat}), "repair")
	})
	t.Run("repair/my.js: GET /repairs/", func(t *testing.T) {
		r := success(t, app.call(t, "GET", "/repairs/", nil), "my repairs")
		if !slices.Contains(r.Header.Values("Vary"), "Referer") {
			t.Errorf("an answer chosen by the Referer without Vary: Referer: %v", r.Header)
		}
		l := results(t, r, "my repairs")
		if len(l) != 1 {
			t.Fatalf("my repairs: %v", l)
		}
		reads(t, "repair", l[0], map[string]string{"category": "object", "description": "string", "location": "string", "status": "number"})
		reads(t, "repair category", l[0].(map[string]any)["category"], map[string]string{"name": "string"})
		if r := l[0].(map[string]any); r["status"] != 0.0 || r["category"].(map[string]any)["name"] != "网络故障" {
			t.Fatalf("repair: %v", r)
		}
		var repairs []map[string]any
		s.Do(t, "GET", "/repairs/", "Token "+app.token, nil).Want(t, "seed repairs", http.StatusOK).JSON(t, &repairs)
		id := repairs[0]["id"]
		s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%v/", id), admin, map[string]any{"status": "resolved"}).Want(t, "resolve", http.StatusOK)
		if l := results(t, app.call(t, "GET", "/repairs/", nil), "my repairs"); l[0].(map[string]any)["status"] != 2.0 {
			t.Fatalf("resolved: %v", l[0])
		}
	})
	t.Run("guide/guide.js: GET /guides/?search=", func(t *testing.T) {
		for _, q := range []map[string]any{nil, {"search": "审批"}, {"search": "没有"}} {
			l := list(t, success(t, app.call(t, "GET", "/guides/", q), "guides"), "guides")
			for _, g := range l {
				reads(t, "guide", g, map[string]string{"id": "number", "name": "string", "created": "string", "category": "object"})
				reads(t, "guide category", g.(map[string]any)["category"], map[string]string{"id": "number", "name": "string"})
			}
			if want := map[bool]int{true: 0, false: 1}[q["search"] == "没有"]; len(l) != want {
				t.Fatalf("guides %v: %v", q, l)
			}
		}
	})
	t.Run("guide/guide.js: wx.downloadFile GET /guides/{id}/ with the Token header", func(t *testing.T) {
		r := s.Do(t, "GET", fmt.Sprintf("/guides/%d/", guide), "Token "+app.token, nil)
		if r.Status/100 != 2 || string(r.Body) != string(pdf) {
			t.Fatalf("download: %d %q", r.Status, r.Body)
		}
	})
	t.Run("guide/guide.js: POST /guides/{id}/email/, a 400's detail", func(t *testing.T) {
		success(t, app.call(t, "POST", fmt.Sprintf("/guides/%d/email/", guide), nil), "email")
		success(t, app.call(t, "PUT", "/current-user/", map[string]any{"first_name": "三", "last_name": "张", "email": nil, "department": dept}), "no address")
		r := app.call(t, "POST", fmt.Sprintf("/guides/%d/email/", guide), nil)
		if r.Status != http.StatusBadRequest || kind(decode(t, r).(map[string]any)["detail"]) != "string" {
			t.Fatalf("no address: %d %s, want 400 with detail", r.Status, r.Body)
		}
	})
	t.Run("any page: 401 sends the client to its login page", func(t *testing.T) {
		bad := &miniProgram{s: s, token: "0123456789abcdef0123456789abcdef01234567"}
		if r := bad.call(t, "GET", "/current-user/", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("unknown token: %d %s", r.Status, r.Body)
		}
	})
	t.Run("reservation/my.js: DELETE /reservations/{id}/", func(t *testing.T) {
		success(t, app.call(t, "DELETE", fmt.Sprintf("/reservations/%v/", mine), nil), "cancel")
		if l := results(t, app.call(t, "GET", "/reservations/", nil), "after cancelling"); len(l) != 0 {
			t.Fatalf("after cancelling: %v", l)
		}
	})
	t.Run("main.js: DELETE /auth/wechat-auth/ (log out)", func(t *testing.T) {
		success(t, app.call(t, "DELETE", "/auth/wechat-auth/", nil), "logout")
		if r := app.call(t, "GET", "/current-user/", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("after logout: %d %s", r.Status, r.Body)
		}
	})
}
