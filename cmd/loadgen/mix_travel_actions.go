package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The travel part's actions (10), by module: the user, the forum, the jobs
// of each kind, the likes, the model endpoints, stray GETs.

// method is GET and POST in turn: the routes that take both (likes,
// deletions, logout) get both, as the app and the seed's pages send them.
func (tw *travelWorker) method() string {
	tw.turn++
	if tw.turn%2 == 0 {
		return "GET"
	}
	return "POST"
}

// userActions: logging in, the profile, the avatar, the account's life.
func (st *travelState) userActions() []mixAction {
	return []mixAction{
		st.act("open the app and log in", 3, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			if _, err := travelSend(ctx, w, "GET /user/captcha", "/user/captcha", nil, nil, travelTypeCheck("image/png")); err != nil {
				return err
			}
			return travelLoginAs(ctx, w, tw.me)
		}),
		st.act("my profile", 6, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			return travelCall(ctx, w, "GET /user/info", "/user/info", tw.me, nil, nil)
		}),
		st.act("edit my profile", 0.6, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			form := url.Values{"gender": {fmt.Sprint(w.Rnd.IntN(3))}, "intro": {"喜欢徒步和拍照，" + w.Unique("")}}
			return travelCall(ctx, w, "POST /user/info", "/user/info", tw.me, travelForm(form), nil)
		}),
		st.act("change my avatar", 0.4, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			_, err := travelUploadAvatar(ctx, w, tw.me, st.avatar)
			return err
		}),
		st.act("an avatar beside a post", 5, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			_, err := travelSend(ctx, w, "GET /media/avatars/{key}", travelPick(w.Rnd, st.avatars), nil, nil, travelTypeCheck("image/"))
			return err
		}),
		st.act("log out and in again", 0.6, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			m := tw.method()
			if err := travelCall(ctx, w, m+" /user/logout", "/user/logout", tw.me, nil, nil); err != nil {
				return err
			}
			return travelLoginAs(ctx, w, tw.me)
		}),
		st.act("a new user joins (and likes with it)", 0.3, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			return tw.newLiker(ctx, w)
		}),
		st.act("change my password", 0.2, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			next := userPassword(w.Unique("pw"))
			form := url.Values{"old_password": {tw.me.Password}, "new_password": {next}}
			if err := travelCall(ctx, w, "POST /user/password", "/user/password", tw.me, travelForm(form), nil); err != nil {
				return err
			}
			tw.me.Password = next
			return nil
		}),
		st.act("reset a forgotten password by mail", 0.1, st.resetPassword),
	}
}

// newLiker registers a new user, who likes from now on.
func (tw *travelWorker) newLiker(ctx context.Context, w *mixWorker) error {
	acct, err := travelRegister(ctx, w)
	if err != nil {
		return err
	}
	tw.liker, tw.liked = acct, map[string]int{}
	return nil
}

// resetPassword: a new user forgets the password: the captcha (which
// starts the session), the code mailed to the address, the new password,
// a login with it.
func (st *travelState) resetPassword(ctx context.Context, w *mixWorker, tw *travelWorker) error {
	acct, err := travelRegister(ctx, w)
	if err != nil {
		return err
	}
	anon := &travelAccount{}
	a, err := travelSend(ctx, w, "GET /user/captcha", "/user/captcha", nil, nil, travelTypeCheck("image/png"))
	if err != nil {
		return err
	}
	anon.Cookie = travelCookie(a)
	form := url.Values{"email": {acct.Email}, "no_captcha": {"true"}}
	if err := travelCall(ctx, w, "POST /user/reset", "/user/reset", anon, travelForm(form), nil); err != nil {
		return err
	}
	code, err := resetCode(ctx, st.mail, acct.Email, 0, 30*time.Second)
	if err != nil {
		return err
	}
	acct.Password = userPassword(w.Unique("rs"))
	form = url.Values{"code": {code}, "no_captcha": {"true"}, "new_password": {acct.Password}}
	if err := travelCall(ctx, w, "POST /user/reset", "/user/reset", anon, travelForm(form), nil); err != nil {
		return err
	}
	if err := travelLoginAs(ctx, w, acct); err != nil {
		return err
	}
	tw.liker, tw.liked = acct, map[string]int{}
	return nil
}

// forumActions: reading the community, posting, commenting.
func (st *travelState) forumActions() []mixAction {
	return []mixAction{
		st.act("the forum's front page", 12, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			return travelCall(ctx, w, "GET /forum/", "/forum/", nil, nil, nil)
		}),
		st.act("a page of the forum", 8, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			n := 1 + w.Rnd.IntN((len(st.posts)+9)/10)
			return travelCall(ctx, w, "GET /forum/page/{n}", fmt.Sprintf("/forum/page/%d", n), nil, nil, nil)
		}),
		st.act("a post with its comments", 14, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			return travelCall(ctx, w, "GET /forum/post/{pid}", fmt.Sprintf("/forum/post/%d", travelPick(w.Rnd, st.posts)), nil, nil, nil)
		}),
		st.act("publish a post", 1, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			_, err := tw.ownPost(ctx, w, true)
			return err
		}),
		st.act("edit my post", 0.4, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			pid, err := tw.ownPost(ctx, w, false)
			if err != nil {
				return err
			}
			form := url.Values{"title": {"游记（修订）"}, "text": {"补充：傍晚的雷峰塔很美。" + w.Unique("")}}
			return travelCall(ctx, w, "POST /forum/post/{pid}/edit", fmt.Sprintf("/forum/post/%d/edit", pid), tw.me, travelForm(form), nil)
		}),
		st.act("delete my post", 0.3, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			pid, err := tw.ownPost(ctx, w, false)
			if err != nil {
				return err
			}
			tw.posts = tw.posts[:len(tw.posts)-1]
			m := tw.method()
			return travelCall(ctx, w, m+" /forum/post/{pid}/delete", fmt.Sprintf("/forum/post/%d/delete", pid), tw.me, nil, nil)
		}),
		st.act("comment on a post", 2.5, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			_, err := tw.ownComment(ctx, w, "post", travelPick(w.Rnd, st.posts))
			return err
		}),
		st.act("delete my comment on a post", 0.5, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			return tw.deleteComment(ctx, w, "post", "/forum/comment/", travelPick(w.Rnd, st.posts))
		}),
	}
}

// ownPost returns the worker's newest post, publishing one first if fresh
// or if it has none.
func (tw *travelWorker) ownPost(ctx context.Context, w *mixWorker, fresh bool) (int64, error) {
	if fresh || len(tw.posts) == 0 {
		pid, err := travelNewPost(ctx, w, tw.me, int(w.n))
		if err != nil {
			return 0, err
		}
		tw.posts = append(tw.posts, pid)
	}
	return tw.posts[len(tw.posts)-1], nil
}

// ownComment comments on a subject (post, movie, photo) and keeps the
// comment for its deletion.
func (tw *travelWorker) ownComment(ctx context.Context, w *mixWorker, subject string, id int64) (int64, error) {
	cid, err := travelNewComment(ctx, w, tw.me, subject, id)
	if err == nil {
		tw.comments[subject] = append(tw.comments[subject], cid)
	}
	return cid, err
}

// deleteComment deletes the worker's newest comment on subject (under
// prefix: /forum/comment/, /movie/comment/, /photo/comment/), commenting
// on id first if it has none.
func (tw *travelWorker) deleteComment(ctx context.Context, w *mixWorker, subject, prefix string, id int64) error {
	if len(tw.comments[subject]) == 0 {
		if _, err := tw.ownComment(ctx, w, subject, id); err != nil {
			return err
		}
	}
	cs := tw.comments[subject]
	cid := cs[len(cs)-1]
	tw.comments[subject] = cs[:len(cs)-1]
	m := tw.method()
	return travelCall(ctx, w, m+" "+prefix+"{cid}/delete", fmt.Sprintf("%s%d/delete", prefix, cid), tw.me, nil, nil)
}

// jobActions: the public lists of kind (movie: albums, photo: long
// images), their files and comments, and the worker's own jobs.
func (st *travelState) jobActions(kind string) []mixAction {
	k := "/" + kind + "/"
	return []mixAction{
		st.act("the public "+kind+"s", 6, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			return travelCall(ctx, w, "GET "+k+"all", k+"all", nil, nil, nil)
		}),
		st.act("the public "+kind+"s of a tag", 2.5, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			return travelCall(ctx, w, "GET "+k+"tag/{tag}", k+"tag/1", nil, nil, nil)
		}),
		st.act("my "+kind+"s", 2.5, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			return travelCall(ctx, w, "GET "+k+"list", k+"list", tw.me, nil, nil)
		}),
		st.act("all my "+kind+"s, failed ones too", 0.8, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			return travelCall(ctx, w, "GET "+k+"myall", k+"myall", tw.me, nil, nil)
		}),
		st.act("a "+kind+"'s file", 4, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			_, err := travelSend(ctx, w, "GET /media/"+kind+"s/{wid}/{key}", travelPick(w.Rnd, st.media[kind]), nil, nil, travelTypeCheck("image/", "video/"))
			return err
		}),
		st.act("a "+kind+"'s comments", 3, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			return travelCall(ctx, w, "GET "+k+"{wid}/comment", fmt.Sprintf("%s%d/comment", k, travelPick(w.Rnd, st.jobs[kind])), nil, nil, nil)
		}),
		st.act("comment on a "+kind, 1, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			_, err := tw.ownComment(ctx, w, kind, travelPick(w.Rnd, st.jobs[kind]))
			return err
		}),
		st.act("delete my comment on a "+kind, 0.3, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			return tw.deleteComment(ctx, w, kind, k+"comment/", travelPick(w.Rnd, st.jobs[kind]))
		}),
		st.act("make a "+kind, 0.12, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			id, err := travelNewJob(ctx, w, tw.me, kind, st.photos)
			if err == nil {
				tw.jobs[kind] = append(tw.jobs[kind], id)
			}
			return err
		}),
		st.act("my "+kind+"'s status", 1, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			id, err := tw.ownJob(ctx, w, kind)
			if err != nil {
				return err
			}
			_, err = travelJobStatus(ctx, w, tw.me, kind, id)
			return err
		}),
		st.act("delete my "+kind, 0.15, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			id, err := tw.ownJob(ctx, w, kind)
			if err != nil {
				return err
			}
			tw.jobs[kind] = tw.jobs[kind][:len(tw.jobs[kind])-1]
			m := tw.method()
			return travelCall(ctx, w, m+" "+k+"{wid}/delete", fmt.Sprintf("%s%d/delete", k, id), tw.me, nil, nil)
		}),
	}
}

// ownJob returns the worker's newest job of kind, opening a draft (new,
// nothing uploaded) if it has none.
func (tw *travelWorker) ownJob(ctx context.Context, w *mixWorker, kind string) (int64, error) {
	if len(tw.jobs[kind]) == 0 {
		var ids travelIDs
		if err := travelCall(ctx, w, "GET /"+kind+"/new", "/"+kind+"/new", tw.me, nil, &ids); err != nil {
			return 0, err
		}
		tw.jobs[kind] = append(tw.jobs[kind], ids.WorkID)
	}
	return tw.jobs[kind][len(tw.jobs[kind])-1], nil
}

// travelLikeKind is one kind of like: its fixture subjects and its path.
type travelLikeKind struct {
	name    string
	weight  float64
	targets func() []int64
	op      string // the path template, e.g. /forum/post/{pid}/like
}

// likeActions: likes of posts, comments and jobs, each once per user: the
// worker's liker takes the fixture's subjects in turn, and a new user
// joins when it has liked them all.
func (st *travelState) likeActions() []mixAction {
	kinds := []travelLikeKind{
		{"post", 2, func() []int64 { return st.posts }, "/forum/post/{pid}/like"},
		{"forum comment", 0.8, func() []int64 { return st.forumComments }, "/forum/comment/{cid}/like"},
		{"movie", 1, func() []int64 { return st.jobs["movie"] }, "/movie/{wid}/like"},
		{"photo", 0.8, func() []int64 { return st.jobs["photo"] }, "/photo/{wid}/like"},
		{"movie comment", 0.3, func() []int64 { return st.jobComments["movie"] }, "/movie/comment/{cid}/like"},
		{"photo comment", 0.3, func() []int64 { return st.jobComments["photo"] }, "/photo/comment/{cid}/like"},
	}
	var out []mixAction
	for _, lk := range kinds {
		out = append(out, st.act("like a "+lk.name, lk.weight, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
			targets := lk.targets()
			if tw.liked[lk.name] >= len(targets) {
				if err := tw.newLiker(ctx, w); err != nil {
					return err
				}
			}
			id := targets[tw.liked[lk.name]]
			tw.liked[lk.name]++
			before, _, _ := strings.Cut(lk.op, "{")
			m := tw.method()
			return travelCall(ctx, w, m+" "+lk.op, fmt.Sprintf("%s%d/like", before, id), tw.liker, nil, nil)
		}))
	}
	return out
}
