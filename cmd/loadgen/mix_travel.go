package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"

	mailstandin "github.com/fiveapis/backend/transport/mail/standin"
)

// travelMix is the travel API's part of the mixed workload (10).
//
// The assumed day of the Travellog app: people open the community and
// browse — the forum's front page and its pages, posts with their comments,
// the public albums and long images with their files, the avatars beside
// them, their own profile — which makes about three quarters of the
// requests. Fewer write: comments and likes (a few percent each), a post
// now and then, an edit or a deletion rarer still; the app's model
// endpoints are used while composing (a poem, a place from a photo's GPS,
// the colours of a picture; the model-server ones — weather, style,
// super-resolution — and a poem from a picture less). Albums and long
// images are made rarely (new, info.json, three photos, start, then the
// status a few times while it renders; the render runs in the server's
// worker), and deleted rarer. Accounts change little: logins (the app
// fetches a captcha first) a few in a hundred, a logout, a registration,
// an avatar, a profile edit, a password change and a password reset by
// mail rarer. A stray GET of a POST-only path (an old client, a link
// opened in a browser) is rarest and gets the documented refusal.
func travelMix(share float64) *mixAPI {
	st := &travelState{workers: map[int]*travelWorker{}}
	a := &mixAPI{
		Name:  "travel",
		Share: share,
		Env:   func(context.Context, string) ([]string, func(), error) { return startModelStandin() },
		Setup: st.setup,
	}
	a.Actions = append(a.Actions, st.userActions()...)
	a.Actions = append(a.Actions, st.forumActions()...)
	for _, kind := range []string{"movie", "photo"} {
		a.Actions = append(a.Actions, st.jobActions(kind)...)
	}
	a.Actions = append(a.Actions, st.likeActions()...)
	a.Actions = append(a.Actions, st.modelActions()...)
	a.Actions = append(a.Actions, st.strayGetAction())
	return a
}

// travelState is the travel part's fixture and its workers' own objects.
type travelState struct {
	// mail is the mix's SMTP stand-in, where reset codes arrive.
	mail *mailstandin.Server
	// accounts are the set-up users, one per worker (by ID); workers
	// beyond them register their own.
	accounts []*travelAccount
	// posts and forumComments are the fixture's forum posts and comments.
	posts, forumComments []int64
	// jobs are the finished, shared jobs by kind (movie, photo), with
	// jobComments their comments and media the paths of their files.
	jobs, jobComments map[string][]int64
	media             map[string][]string
	// avatars are the paths of the set-up users' avatars.
	avatars []string
	// photos are the uploads of a new job; avatar a profile picture.
	photos [][]byte
	avatar []byte
	// models are the bodies of the model endpoints' calls.
	models travelModelBodies

	mu      sync.Mutex
	workers map[int]*travelWorker
	// turn walks the stray GETs and the test forms across the workers,
	// so that a short run calls each.
	turn atomic.Int64
}

// travelWorker is one worker's own travel objects: its user, the user it
// likes with (a new one once it has liked every fixture subject of a
// kind), and what it made and may edit or delete.
type travelWorker struct {
	me, liker *travelAccount
	liked     map[string]int // like list → next fixture index for liker
	posts     []int64        // own posts
	comments  map[string][]int64
	jobs      map[string][]int64 // own jobs by kind, newest last
	// turn alternates GET and POST.
	turn int
}

// worker returns w's own objects, making them on its first action.
func (st *travelState) worker(ctx context.Context, w *mixWorker) (*travelWorker, error) {
	st.mu.Lock()
	tw := st.workers[w.ID]
	st.mu.Unlock()
	if tw != nil {
		return tw, nil
	}
	var me *travelAccount
	if w.ID < len(st.accounts) {
		me = st.accounts[w.ID]
	} else {
		var err error
		if me, err = travelRegister(ctx, w); err != nil {
			return nil, err
		}
	}
	tw = &travelWorker{me: me, liker: me, liked: map[string]int{}, comments: map[string][]int64{}, jobs: map[string][]int64{}}
	st.mu.Lock()
	st.workers[w.ID] = tw
	st.mu.Unlock()
	return tw, nil
}

// act is an action that needs the worker's own objects.
func (st *travelState) act(name string, weight float64, run func(ctx context.Context, w *mixWorker, tw *travelWorker) error) mixAction {
	return mixAction{Name: name, Weight: weight, Run: func(ctx context.Context, w *mixWorker) error {
		tw, err := st.worker(ctx, w)
		if err != nil {
			return err
		}
		return run(ctx, w, tw)
	}}
}

// pick returns a random element of xs.
func travelPick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// travelSetupWorker is a worker of the set-up: its calls are not reported.
func travelSetupWorker(m *mixEnv) *mixWorker {
	return &mixWorker{ID: 1 << 20, Rnd: rand.New(rand.NewPCG(1, 2)), C: m.C, rec: &mixRecorder{ops: map[string]*opStats{}}, tag: m.Tag}
}

// travelIDs reads an id field ("post_id", "comment_id", "work_id") of an
// answer's data.
type travelIDs struct {
	PostID    int64 `json:"post_id"`
	CommentID int64 `json:"comment_id"`
	WorkID    int64 `json:"work_id"`
}

// travelNewPost publishes a post as who and returns its id.
func travelNewPost(ctx context.Context, w *mixWorker, who *travelAccount, i int) (int64, error) {
	form := url.Values{"title": {fmt.Sprintf("游记 %d", i)}, "type": {fmt.Sprint(1 + i%3)},
		"text": {fmt.Sprintf("第%d天：清晨去了西湖，断桥边人不多，午后在龙井村喝茶。", i)}}
	var ids travelIDs
	err := travelCall(ctx, w, "POST /forum/post/new", "/forum/post/new", who, travelForm(form), &ids)
	return ids.PostID, err
}

// travelNewComment comments on a post ("post") or a job ("movie", "photo") as
// who and returns the comment's id.
func travelNewComment(ctx context.Context, w *mixWorker, who *travelAccount, subject string, id int64) (int64, error) {
	var ids travelIDs
	var err error
	if subject == "post" {
		form := url.Values{"pid": {fmt.Sprint(id)}, "text": {"写得真好，下次也想去。"}}
		err = travelCall(ctx, w, "POST /forum/comment/new", "/forum/comment/new", who, travelForm(form), &ids)
	} else {
		form := url.Values{"text": {"照片拍得真好看！"}}
		err = travelCall(ctx, w, "POST /"+subject+"/{wid}/comment/new", fmt.Sprintf("/%s/%d/comment/new", subject, id), who, travelForm(form), &ids)
	}
	return ids.CommentID, err
}
