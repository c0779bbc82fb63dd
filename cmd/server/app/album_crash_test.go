package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/fiveapis/backend/transport/pgtest"
)

// TestAlbumWorkerKilledMidJob: a server process renders an album; it is
// killed (SIGKILL) while the job is at one of the worker's steps (101–105).
// The job is left in that step, not lost: a start within the stale time is
// refused as already queued, and a second process started on the same
// database and files takes the worker reaction over, resumes the job at
// its step and finishes it: a real MP4.
func TestAlbumWorkerKilledMidJob(t *testing.T) {
	needFFmpeg(t)
	t.Parallel()
	dataDir := t.TempDir()
	albumKilledMidJob(t, dataDir, dataDir)
}

// TestAlbumWorkerKilledMidJobS3 is the same with the job files in S3
// (TRAVEL_STORAGE=s3, gofakes3 over HTTP on loopback, the bucket made by
// the processes): the two processes share only the database and the S3
// service, each its own DATA_DIR, so the pictures uploaded through the
// first are rendered and the result fetched through the second.
func TestAlbumWorkerKilledMidJobS3(t *testing.T) {
	needFFmpeg(t)
	t.Parallel()
	backend := s3mem.New()
	fake := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(fake.Close)
	id := albumKilledMidJob(t, t.TempDir(), t.TempDir(), "TRAVEL_STORAGE=s3", "TRAVEL_S3_ENDPOINT="+strings.TrimPrefix(fake.URL, "http://"),
		"TRAVEL_S3_USE_SSL=false", "TRAVEL_S3_BUCKET=travel", "TRAVEL_S3_ACCESS_KEY=AKID", "TRAVEL_S3_SECRET_KEY=secret")
	prefix := gofakes3.NewPrefix(&[]string{"albums/" + id + "/"}[0], nil)
	objs, err := backend.ListBucket("travel", &prefix, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Contents) < 5 {
		t.Errorf("the job's objects in S3: %d, want the pictures, the result and the cover", len(objs.Contents))
	}
}

func needFFmpeg(t *testing.T) {
	for _, p := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed (.ci/ffmpeg.sh)", p)
		}
	}
}

// albumKilledMidJob runs the job of TestAlbumWorkerKilledMidJob: the first
// process with dirA, the second with dirB, both with env; it returns the
// job's id.
func albumKilledMidJob(t *testing.T, dirA, dirB string, extra ...string) string {
	dsn := pgtest.NewDatabase(t)
	// Long slides make the render step last seconds, so the kill lands
	// inside the job.
	env := append([]string{"TRAVEL_ALLOW_NO_CAPTCHA=true", "TRAVEL_ALBUM_WORKERS=1", "TRAVEL_ALBUM_SLIDE=12s", "TRAVEL_ALBUM_WIDTH=640"}, extra...)
	a := startProcess(t, dsn, dirA, env...)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	call := func(base, method, path string, body io.Reader, ctype string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, body)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var out map[string]any
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || json.Unmarshal(raw, &out) != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		return out
	}
	form := func(base, path, body string) map[string]any {
		return call(base, "POST", path, bytes.NewBufferString(body), "application/x-www-form-urlencoded")
	}
	upload := func(base, path, name string, data []byte) map[string]any {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.Close()
		return call(base, "POST", path, &b, mw.FormDataContentType())
	}
	uname := fmt.Sprintf("crash%d", time.Now().UnixNano()%1e9)
	if r := form(a.url, "/user/register", "uname="+uname+"&email="+uname+"@example.com&password=album-pass-1&no_captcha=true"); r["code"] != float64(200) {
		t.Fatalf("register: %v", r)
	}
	if r := form(a.url, "/user/login", "user="+uname+"&password=album-pass-1&no_captcha=true"); r["code"] != float64(200) {
		t.Fatalf("login: %v", r)
	}
	d := call(a.url, "GET", "/movie/new", nil, "")["data"].(map[string]any)
	id := fmt.Sprint(d["work_id"])
	info, _ := json.Marshal(map[string]any{"images": []string{"0.jpg", "1.jpg", "2.jpg"}, "title": "断点续作", "fps": 25})
	if r := upload(a.url, "/movie/"+id+"/upload", "info.json", info); r["code"] != float64(200) {
		t.Fatalf("info: %v", r)
	}
	for i := range 3 {
		img := image.NewRGBA(image.Rect(0, 0, 640, 480))
		for p := range img.Pix {
			img.Pix[p] = uint8(p * (i + 3))
		}
		img.Set(0, 0, color.White)
		var buf bytes.Buffer
		_ = jpeg.Encode(&buf, img, nil)
		if r := upload(a.url, "/movie/"+id+"/upload", fmt.Sprintf("%d.jpg", i), buf.Bytes()); r["code"] != float64(200) {
			t.Fatalf("image: %v", r)
		}
	}
	if r := call(a.url, "GET", "/movie/"+id+"/start", nil, ""); r["msg"] != "已加入队列" {
		t.Fatalf("start: %v", r)
	}
	status := func(base string) float64 {
		return call(base, "GET", "/movie/"+id+"/status", nil, "")["data"].(map[string]any)["status"].(float64)
	}
	var at float64
	deadline := time.Now().Add(60 * time.Second)
	for at = status(a.url); at < 101 || at > 105; at = status(a.url) {
		if at == 200 || at == -1 || time.Now().After(deadline) {
			t.Fatalf("the job reached %v before the kill", at)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.exited
	t.Logf("killed the worker's process at status %v", at)

	b := startProcess(t, dsn, dirB, env...)
	if r := call(b.url, "GET", "/movie/"+id+"/start", nil, ""); r["code"] != float64(403) {
		t.Errorf("a start of the interrupted job within the stale time: %v", r)
	}
	deadline = time.Now().Add(120 * time.Second)
	for s := status(b.url); s != 200; s = status(b.url) {
		if s == -1 || time.Now().After(deadline) {
			t.Fatalf("the interrupted job did not resume to 200: %v", s)
		}
		time.Sleep(200 * time.Millisecond)
	}
	d = call(b.url, "GET", "/movie/"+id+"/status", nil, "")["data"].(map[string]any)
	resp, err := client.Get(b.url + d["result_msg"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mp4, _ := io.ReadAll(resp.Body)
	if len(mp4) < 12 || string(mp4[4:8]) != "ftyp" {
		t.Fatalf("result is not an MP4: %d bytes", len(mp4))
	}
	if dur := d["duration"].(float64); dur < 35 || dur > 37 {
		t.Errorf("album lasts %vs, want 3 × 12 s", dur)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "video/mp4" {
		t.Errorf("result served as %q", ct)
	}
	return id
}
