package main

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"
	"time"
)

// Request bodies and paths of 001's part of the mixed workload (10).

// hhuPath fills op's path template ("GET /enrollments/{id}/") with args in
// order; args beyond its parameters are appended as they are (a query).
func hhuPath(op string, args ...any) string {
	_, path, _ := strings.Cut(op, " ")
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 || len(args) == 0 {
			break
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(path[:i])
		fmt.Fprint(&b, args[0])
		path, args = path[i+j+1:], args[1:]
	}
	b.WriteString(path)
	for _, a := range args {
		fmt.Fprint(&b, a)
	}
	return b.String()
}

// hhuISO writes t as 001 reads it: RFC 3339 in UTC+8.
func hhuISO(t time.Time) string { return t.In(hhuZone()).Format(time.RFC3339) }

// hhuDay is midnight (UTC+8) d days from today.
func hhuDay(d int) time.Time {
	y, m, day := time.Now().In(hhuZone()).AddDate(0, 0, d).Date()
	return time.Date(y, m, day, 0, 0, 0, 0, hhuZone())
}

// hhuActivity is a valid activity three days ahead with an enrollment form.
func hhuActivity(title string) map[string]any {
	start := time.Now().In(hhuZone()).Add(72 * time.Hour).Truncate(time.Hour)
	return map[string]any{
		"title": title, "description": "春季学术活动", "location": "勤学楼",
		"starts_at": hhuISO(start), "ends_at": hhuISO(start.Add(2 * time.Hour)), "participant_limit": 0,
		"form": []map[string]any{
			{"name": "name", "label": "姓名", "type": "text", "required": true},
			{"name": "phone", "label": "手机", "type": "phone", "required": true},
			{"name": "size", "label": "尺码", "type": "choice", "choices": []string{"S", "M", "L"}},
		},
	}
}

// hhuEnrollment is an enrollment in the activity answering its form.
func hhuEnrollment(activity int64) map[string]any {
	return map[string]any{"activity": activity, "answers": map[string]any{"name": "张三", "phone": "13800000000", "size": "M"}}
}

// hhuRoom is a meeting room with every field.
func hhuRoom(name string, seats int) map[string]any {
	return map[string]any{"name": name, "location": "勤学楼", "label": "会议室", "seats": seats}
}

// hhuBooking is a reservation of room from from for d.
func hhuBooking(room int64, from time.Time, d time.Duration) map[string]any {
	return map[string]any{"reserve_from": hhuISO(from), "reserve_to": hhuISO(from.Add(d)), "description": "组会", "meetingroom": room}
}

// hhuRepair is a repair request in the category.
func hhuRepair(category int64) map[string]any {
	return map[string]any{"location": "勤学楼 101", "category": category, "description": "网络不通"}
}

// hhuItem is a clock-in item open from an hour ago for two hours.
func hhuItem(label string) map[string]any {
	now := time.Now()
	return map[string]any{"label": label, "open_from": hhuISO(now.Add(-time.Hour)), "open_to": hhuISO(now.Add(time.Hour))}
}

// hhuWindow is the query of a day's working hours (8:00 to 20:00) d days
// ahead, for availability and conflicts.
func hhuWindow(d int) string {
	day := hhuDay(d)
	return fmt.Sprintf("time_from=%s&time_to=%s", day.Add(8*time.Hour).UTC().Format(time.RFC3339), day.Add(20*time.Hour).UTC().Format(time.RFC3339))
}

// hhuGuideForm is a guide's multipart form: title, category and, when
// withFile, a small PDF; it returns the body and its content type.
func hhuGuideForm(title string, category int64, withFile bool) ([]byte, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("title", title)
	_ = mw.WriteField("category", fmt.Sprint(category))
	if withFile {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="form.pdf"`)
		h.Set("Content-Type", "application/pdf")
		if part, err := mw.CreatePart(h); err == nil {
			_, _ = part.Write([]byte("%PDF-1.4\n% a guide of the bench\n%%EOF\n"))
		}
	}
	_ = mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}
