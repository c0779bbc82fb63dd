package albumshttp_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/httpapi/imagechecktest"
)

func want(t *testing.T, r apptest.Reply, code float64, msg string) map[string]any {
	t.Helper()
	if r.Status != 200 {
		t.Errorf("HTTP %d, want 200 always: %s", r.Status, r.Raw)
	}
	if r.Body["code"] != code || (msg != "" && r.Body["msg"] != msg) {
		t.Errorf("want %v %q, got %s", code, msg, r.Raw)
	}
	d, _ := r.Body["data"].(map[string]any)
	return d
}

// picture is a JPEG of w×h in a gradient of base.
func picture(t *testing.T, w, h int, base color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{base.R, uint8(int(base.G) * y / h), uint8(int(base.B) * x / w), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts one multipart "file" part as the Travellog app does.
func upload(t *testing.T, c *apptest.Client, path, name string, data []byte) apptest.Reply {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.S.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Send(t, req)
}

func needFFmpeg(t *testing.T) {
	for _, p := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed (.ci/ffmpeg.sh installs Debian's ffmpeg)", p)
		}
	}
}

func fast() apptest.Option {
	return apptest.WithConfig(func(c *app.Config) {
		c.Travel.AllowNoCaptcha = true
		c.Travel.AlbumWidth = 320
		c.Travel.AlbumSlide = time.Second
	})
}

// fetch GETs a file.
func fetch(t *testing.T, c *apptest.Client, path string) []byte {
	t.Helper()
	resp, err := http.Get(c.S.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// mp4Duration reads the ftyp box and the movie header's duration.
func mp4Duration(t *testing.T, b []byte) time.Duration {
	t.Helper()
	if len(b) < 12 || string(b[4:8]) != "ftyp" {
		t.Fatalf("not an MP4: no ftyp box first (%q)", b[:min(12, len(b))])
	}
	i := bytes.Index(b, []byte("mvhd"))
	if i < 0 || i+24 > len(b) {
		t.Fatal("no mvhd box")
	}
	v := b[i+4]
	if v == 1 {
		scale := binary.BigEndian.Uint32(b[i+24:])
		dur := binary.BigEndian.Uint64(b[i+28:])
		return time.Duration(float64(dur) / float64(scale) * float64(time.Second))
	}
	scale := binary.BigEndian.Uint32(b[i+16:])
	dur := binary.BigEndian.Uint32(b[i+20:])
	return time.Duration(float64(dur) / float64(scale) * float64(time.Second))
}

// waitDone polls the status as the app does until the job ends.
func waitDone(t *testing.T, c *apptest.Client, kind, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		d := want(t, c.Do(t, "GET", "/"+kind+"/"+id+"/status", "", nil), 200, "")
		if s := d["status"].(float64); s == 200 || s == -1 {
			return d
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s %s did not finish", kind, id)
	return nil
}

func info(t *testing.T, v map[string]any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAlbumBadInput: non-images, huge images, bad info.json, missing
// files, foreign and unknown jobs, wrong types: the 403 envelope with a
// message, never another status.
func TestAlbumBadInput(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, fast())
	alice, _ := s.TravelLogin(t)
	bob, _ := s.TravelLogin(t)
	anon := apptest.NewClient(s)
	id := fmt.Sprint(want(t, alice.Do(t, "GET", "/photo/new", "", nil), 200, "操作成功")["work_id"])
	base := "/photo/" + id
	for _, c := range []struct {
		name, path, file string
		data             []byte
		client           *apptest.Client
		msg              string
	}{
		{"text as an image", base + "/upload", "0.jpg", []byte("hello"), alice, "文件不是可以读取的图片(JPEG、PNG、GIF 或 WebP)"},
		{"a truncated JPEG", base + "/upload", "0.jpg", imagechecktest.JPEG(t)[:200], alice, "文件不是可以读取的图片(JPEG、PNG、GIF 或 WebP)"},
		{"a decompression bomb", base + "/upload", "0.png", imagechecktest.PNGHeader(30000, 30000, nil), alice, "图片尺寸过大(30000×30000),最多 16777216 像素"},
		{"info.json that is not JSON", base + "/upload", "info.json", []byte("{not json"), alice, "info.json 无效"},
		{"info.json with NUL", base + "/upload", "info.json", []byte(`{"title":"a\u0000b"}`), alice, "info.json 无效"},
		{"info.json with a wrong type", base + "/upload", "info.json", []byte(`{"fps":"fast"}`), alice, "info.json 无效"},
		{"someone else's job", base + "/upload", "0.jpg", imagechecktest.JPEG(t), bob, "找不到作业集"},
		{"an unknown job", "/photo/99999999/upload", "0.jpg", imagechecktest.JPEG(t), alice, "找不到作业集"},
		{"a job id that is not a number", "/photo/x/upload", "0.jpg", imagechecktest.JPEG(t), alice, "找不到作业集"},
		{"a movie route for a photo job", "/movie/" + id + "/upload", "0.jpg", imagechecktest.JPEG(t), alice, "找不到作业集"},
		{"no session", base + "/upload", "0.jpg", imagechecktest.JPEG(t), anon, "未登录或登录超时"},
	} {
		t.Run(c.name, func(t *testing.T) {
			want(t, upload(t, c.client, c.path, c.file, c.data), 403, c.msg)
		})
	}
	t.Run("no file part", func(t *testing.T) {
		want(t, alice.PostForm(t, base+"/upload", map[string]string{"x": "y"}), 403, "未获取到file")
	})
	t.Run("a tag that is not a number", func(t *testing.T) {
		want(t, anon.Do(t, "GET", "/movie/tag/abc", "", nil), 403, "参数无效")
	})
	t.Run("likes and comments of unfinished or unknown jobs", func(t *testing.T) {
		want(t, bob.Do(t, "GET", base+"/like", "", nil), 403, "找不到长图")
		want(t, bob.PostForm(t, "/movie/"+id+"/comment/new", map[string]string{"text": "好"}), 403, "找不到影集")
		want(t, bob.Do(t, "GET", "/photo/comment/99999999/like", "", nil), 403, "找不到评论")
	})
	t.Run("start without info.json", func(t *testing.T) {
		want(t, upload(t, alice, base+"/upload", "0.jpg", imagechecktest.JPEG(t)), 200, "操作成功")
		want(t, alice.Do(t, "GET", base+"/start", "", nil), 403, "缺少 info.json,请先上传")
	})
	t.Run("unknown files", func(t *testing.T) {
		for _, p := range []string{"/media/photos/" + id + "/../../etc/passwd", "/media/photos/" + id + "/nothere.jpg", "/media/photos/x/y"} {
			resp, err := http.Get(s.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
		}
	})
}

func TestAlbumJobsEndToEnd(t *testing.T) {
	needFFmpeg(t)
	t.Parallel()
	for _, storage := range []string{"disk", "s3"} {
		t.Run(storage, func(t *testing.T) {
			t.Parallel()
			opts := []apptest.Option{fast()}
			var backend *s3mem.Backend
			if storage == "s3" {
				var opt apptest.Option
				backend, opt = fakeS3(t)
				opts = append(opts, opt)
			}
			testAlbumJobsEndToEnd(t, apptest.Start(t, opts...), backend)
		})
	}
}

// fakeS3 is an S3 service (gofakes3 over HTTP on loopback) with the bucket
// made, and the option that keeps the job files there.
func fakeS3(t *testing.T) (*s3mem.Backend, apptest.Option) {
	backend := s3mem.New()
	if err := backend.CreateBucket("travel"); err != nil {
		t.Fatal(err)
	}
	fake := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(fake.Close)
	return backend, apptest.WithConfig(func(c *app.Config) {
		c.Travel.Storage = "s3"
		c.Travel.S3 = app.TravelS3Config{Endpoint: strings.TrimPrefix(fake.URL, "http://"), Region: "us-east-1",
			Bucket: "travel", AccessKey: "AKID", SecretKey: "secret", Prefix: "albums"}
	})
}

// objectsOf lists the keys of a job's objects in the fake S3 service.
func objectsOf(t *testing.T, backend *s3mem.Backend, id string) []string {
	t.Helper()
	prefix := gofakes3.NewPrefix(&[]string{"albums/" + id + "/"}[0], nil)
	objs, err := backend.ListBucket("travel", &prefix, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs.Contents {
		keys = append(keys, o.Key)
	}
	return keys
}

func testAlbumJobsEndToEnd(t *testing.T, s *apptest.Server, backend *s3mem.Backend) {
	alice, au := s.TravelLogin(t)
	bob, _ := s.TravelLogin(t)
	pics := [][]byte{
		picture(t, 640, 480, color.RGBA{200, 120, 40, 255}),
		picture(t, 480, 640, color.RGBA{30, 160, 220, 255}),
		picture(t, 800, 600, color.RGBA{90, 200, 90, 255}),
	}

	for _, kind := range []string{"movie", "photo"} {
		t.Run(kind, func(t *testing.T) {
			d := want(t, alice.Do(t, "GET", "/"+kind+"/new", "", nil), 200, "操作成功")
			id := fmt.Sprint(d["work_id"])
			base := "/" + kind + "/" + id
			want(t, alice.Do(t, "GET", base+"/start", "", nil), 403, "缺少图片,请先上传图片")
			want(t, bob.Do(t, "GET", base+"/status", "", nil), 403, "找不到作业集")
			want(t, upload(t, bob, base+"/upload", "0.jpg", pics[0]), 403, "找不到作业集")
			want(t, upload(t, alice, base+"/upload", "0.jpg", []byte("GIF89a not really")), 403, "")
			names := []string{"IMG_1.jpg", "IMG_2.jpg", "IMG_3.jpg"}
			in := map[string]any{"images": []string{names[2], names[0], names[1]}, "title": "西湖春游", "description": "三张照片",
				"share": true, "tag": 3, "fps": 12, "latitude": 30.25, "longitude": 120.15,
				"factors": []map[string]any{{"types": []string{"lakeside", "seashore"}, "values": []float64{0.5, 0.2}}}}
			want(t, upload(t, alice, base+"/upload", "info.json", info(t, in)), 200, "操作成功")
			for i, p := range pics {
				d := want(t, upload(t, alice, base+"/upload", names[i], p), 200, "操作成功")
				if u, _ := d["url"].(string); !strings.HasPrefix(u, "/media/"+kind+"s/"+id+"/") {
					t.Errorf("upload url %v", d["url"])
				}
			}
			want(t, alice.Do(t, "GET", base+"/start", "", nil), 200, "已加入队列")
			r := alice.Do(t, "GET", base+"/start", "", nil)
			if m, _ := r.Body["msg"].(string); r.Body["code"] != float64(403) || !(strings.HasPrefix(m, "已在 ") || m == "任务已完成") {
				t.Errorf("second start: %s", r.Raw)
			}
			d = waitDone(t, alice, kind, id)
			// What the Travellog app's Gson classes read (clients.md §5).
			apptest.CheckReads(t, map[string]any{"data": d}, map[string]string{
				"data.work_id": "int", "data.uid": "int", "data." + kind + "_title": "string",
				"data." + kind + "_description": "string", "data." + kind + "_cover": "string",
				"data.create_time": "string", "data.update_time": "string", "data.status": "int",
				"data.status_msg": "string", "data.result_msg": "string", "data.image_num": "int",
				"data.image_urls": "list", "data.image_urls.0": "string", "data.tag": "int",
				"data.like_num": "int", "data.comment_num": "int", "data.avatar": "string",
				"data.cover_width": "int", "data.cover_height": "int",
				"data." + kind + "_width": "int", "data." + kind + "_height": "int",
			})
			if d["status"] != float64(200) || d["status_msg"] != "处理完成" {
				t.Fatalf("job: %v", d)
			}
			if d["image_num"] != float64(3) || d["uid"] != au.ID {
				t.Errorf("status: %v", d)
			}
			result := d["result_msg"].(string)
			out := fetch(t, alice, result)
			if kind == "movie" {
				// A video player (the Android app plays result_msg,
				// clients.md §5) seeks with ranges: 206 with the range.
				req, _ := http.NewRequest("GET", s.URL+result, nil)
				req.Header.Set("Range", "bytes=0-7")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				head, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Type") != "video/mp4" ||
					string(head) != string(out[:8]) || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-7/%d", len(out)) {
					t.Errorf("range request: %d %q %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Range"), head)
				}
				dur := mp4Duration(t, out)
				if dur < 2500*time.Millisecond || dur > 3500*time.Millisecond {
					t.Errorf("album lasts %s, want 3 pictures × 1 s", dur)
				}
				if d["movie_width"] != float64(320) || d["movie_height"] != float64(180) {
					t.Errorf("album size %v×%v", d["movie_width"], d["movie_height"])
				}
			} else {
				cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
				if err != nil || format != "jpeg" {
					t.Fatalf("long image: %v %s", err, format)
				}
				// 120 title + 3 pictures scaled to 320 wide (240, 426, 240) + 3 × 80 captions.
				if cfg.Width != 320 || float64(cfg.Height) != d["photo_height"] || cfg.Height != 120+240+426+240+3*80 {
					t.Errorf("long image %d×%d, recorded %v×%v", cfg.Width, cfg.Height, d["photo_width"], d["photo_height"])
				}
				if d["cover_width"] != float64(160) {
					t.Errorf("cover width %v", d["cover_width"])
				}
			}
			fetch(t, alice, d[kind+"_cover"].(string))
			if backend != nil {
				// 3 pictures, the result and its cover (info.json is kept
				// in the job's stream, not as a file).
				if keys := objectsOf(t, backend, id); len(keys) != 5 {
					t.Errorf("the job's objects in S3: %v", keys)
				}
			}
			want(t, alice.Do(t, "GET", base+"/start", "", nil), 403, "任务已完成")

			// Public lists, likes and comments.
			r = bob.Do(t, "GET", "/"+kind+"/all", "", nil)
			if !strings.Contains(r.Raw, `"work_id":`+id+`,`) && !strings.Contains(r.Raw, `"work_id":`+id+`}`) {
				t.Errorf("/all lacks %s: %s", id, r.Raw)
			}
			r = bob.Do(t, "GET", "/"+kind+"/tag/3", "", nil)
			if !strings.Contains(r.Raw, `"tag":3`) {
				t.Errorf("/tag/3: %s", r.Raw)
			}
			want(t, bob.Do(t, "GET", base+"/like", "", nil), 200, "操作成功")
			want(t, bob.Do(t, "GET", base+"/like", "", nil), 403, "已经点过赞啦~")
			d = want(t, bob.PostForm(t, base+"/comment/new", map[string]string{"text": "真美"}), 200, "操作成功")
			cid := fmt.Sprint(d["comment_id"])
			want(t, alice.Do(t, "GET", "/"+kind+"/comment/"+cid+"/like", "", nil), 200, "操作成功")
			want(t, alice.Do(t, "GET", "/"+kind+"/comment/"+cid+"/delete", "", nil), 403, "找不到评论")
			d = want(t, bob.Do(t, "GET", base+"/comment", "", nil), 200, "")
			if d["comment_num"] != float64(1) {
				t.Errorf("comments: %v", d)
			}
			r = alice.Do(t, "GET", "/"+kind+"/list", "", nil)
			d = want(t, r, 200, "")
			apptest.CheckReads(t, r.Body, map[string]string{"data.uid": "int", "data." + kind + "_num": "int",
				"data." + kind + "s.0.work_id": "int", "data." + kind + "s.0.uid": "int", "data." + kind + "s.0.status": "int"})
			items, _ := d[kind+"s"].([]any)
			if len(items) != 1 || items[0].(map[string]any)["like_num"] != float64(1) || items[0].(map[string]any)["comment_num"] != float64(1) {
				t.Errorf("list: %v", d)
			}
			want(t, bob.Do(t, "GET", base+"/delete", "", nil), 403, "找不到作业集")
			want(t, alice.Do(t, "GET", base+"/delete", "", nil), 200, "操作成功")
			want(t, alice.Do(t, "GET", base+"/status", "", nil), 403, "找不到作业集")
			resp, err := http.Get(s.URL + result)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("the deleted job's result answers %d", resp.StatusCode)
			}
			if backend != nil {
				if keys := objectsOf(t, backend, id); len(keys) != 0 {
					t.Errorf("the deleted job's objects are still in S3: %v", keys)
				}
			}
		})
	}
}

// TestConcurrentUploads: many uploads to one job at once all land (the
// job's stream is appended with the version read, conflicts decided again).
func TestConcurrentUploads(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, fast())
	alice, _ := s.TravelLogin(t)
	id := fmt.Sprint(want(t, alice.Do(t, "GET", "/movie/new", "", nil), 200, "操作成功")["work_id"])
	const n = 12
	errs := make(chan string, n)
	for i := range n {
		go func() {
			r := upload(t, alice, "/movie/"+id+"/upload", fmt.Sprintf("%d.jpg", i), picture(t, 16+i, 16, color.RGBA{uint8(i * 20), 0, 0, 255}))
			if r.Body["code"] != float64(200) {
				errs <- r.Raw
				return
			}
			errs <- ""
		}()
	}
	for range n {
		if e := <-errs; e != "" {
			t.Errorf("upload: %s", e)
		}
	}
	d := want(t, alice.Do(t, "GET", "/movie/"+id+"/status", "", nil), 200, "")
	if d["image_num"] != float64(n) {
		t.Errorf("image_num %v, want %d", d["image_num"], n)
	}
}
