package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// The travel part's fixture (10), made through the API: a user per worker
// with an avatar, forum posts with a comment each, and finished shared
// albums and long images with comments.

// travelSizes are the fixture's sizes.
type travelSizes struct {
	Accounts, PostsPerAccount, JobsPerKind, CommentsPerJob int
}

func travelSizesFor(short bool) travelSizes {
	if short {
		return travelSizes{Accounts: 16, PostsPerAccount: 8, JobsPerKind: 2, CommentsPerJob: 8}
	}
	return travelSizes{Accounts: 16, PostsPerAccount: 25, JobsPerKind: 4, CommentsPerJob: 20}
}

// setup makes the fixture.
func (st *travelState) setup(ctx context.Context, m *mixEnv) error {
	st.mail = m.Mail
	sz := travelSizesFor(m.Short)
	w := travelSetupWorker(m)
	var err error
	if err = st.makeFiles(); err != nil {
		return err
	}
	if err = st.makeAccounts(ctx, w, sz.Accounts); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	if err = st.makeForum(ctx, w, sz.PostsPerAccount); err != nil {
		return fmt.Errorf("forum: %w", err)
	}
	st.jobs, st.jobComments, st.media = map[string][]int64{}, map[string][]int64{}, map[string][]string{}
	for _, kind := range []string{"movie", "photo"} {
		if err = st.makeJobs(ctx, w, kind, sz.JobsPerKind, sz.CommentsPerJob); err != nil {
			return fmt.Errorf("%s jobs: %w", kind, err)
		}
	}
	return nil
}

// makeFiles makes the uploads and the model endpoints' bodies.
func (st *travelState) makeFiles() error {
	var err error
	st.photos = make([][]byte, 3)
	for i := range st.photos {
		if st.photos[i], err = travelPicture(1280, 960, i, false); err != nil {
			return err
		}
	}
	if st.avatar, err = travelPicture(128, 128, 7, true); err != nil {
		return err
	}
	st.models, err = newTravelModelBodies()
	return err
}

// makeAccounts registers and logs in n users, each with an avatar.
func (st *travelState) makeAccounts(ctx context.Context, w *mixWorker, n int) error {
	for range n {
		acct, err := travelRegister(ctx, w)
		if err != nil {
			return err
		}
		path, err := travelUploadAvatar(ctx, w, acct, st.avatar)
		if err != nil {
			return err
		}
		st.accounts = append(st.accounts, acct)
		st.avatars = append(st.avatars, path)
	}
	return nil
}

// travelUploadAvatar sets who's avatar and returns its path.
func travelUploadAvatar(ctx context.Context, w *mixWorker, who *travelAccount, data []byte) (string, error) {
	body, err := travelFile("avatar", "avatar.png", data, nil)
	if err != nil {
		return "", err
	}
	var out struct {
		Avatar string `json:"avatar"`
	}
	if err := travelCall(ctx, w, "POST /user/avatar", "/user/avatar", who, body, &out); err != nil {
		return "", err
	}
	return out.Avatar, nil
}

// makeForum writes perAccount posts per user, each commented on by the
// next user.
func (st *travelState) makeForum(ctx context.Context, w *mixWorker, perAccount int) error {
	for i := range perAccount * len(st.accounts) {
		pid, err := travelNewPost(ctx, w, st.accounts[i%len(st.accounts)], i)
		if err != nil {
			return err
		}
		cid, err := travelNewComment(ctx, w, st.accounts[(i+1)%len(st.accounts)], "post", pid)
		if err != nil {
			return err
		}
		st.posts = append(st.posts, pid)
		st.forumComments = append(st.forumComments, cid)
	}
	return nil
}

// makeJobs renders n shared jobs of kind, then comments on each.
func (st *travelState) makeJobs(ctx context.Context, w *mixWorker, kind string, n, comments int) error {
	for i := range n {
		owner := st.accounts[i%len(st.accounts)]
		id, err := travelNewJob(ctx, w, owner, kind, st.photos)
		if err != nil {
			return err
		}
		st.jobs[kind] = append(st.jobs[kind], id)
	}
	for _, id := range st.jobs[kind] {
		job, err := travelWaitJob(ctx, w, st.jobOwner(kind, id), kind, id)
		if err != nil {
			return err
		}
		st.media[kind] = append(st.media[kind], job.files()...)
		for c := range comments {
			cid, err := travelNewComment(ctx, w, st.accounts[c%len(st.accounts)], kind, id)
			if err != nil {
				return err
			}
			st.jobComments[kind] = append(st.jobComments[kind], cid)
		}
	}
	return nil
}

// jobOwner is the set-up user who made the fixture's job id of kind.
func (st *travelState) jobOwner(kind string, id int64) *travelAccount {
	for i, j := range st.jobs[kind] {
		if j == id {
			return st.accounts[i%len(st.accounts)]
		}
	}
	return nil
}

// travelNewJob makes a job of kind as who: new, info.json, the photos, start.
func travelNewJob(ctx context.Context, w *mixWorker, who *travelAccount, kind string, photos [][]byte) (int64, error) {
	var ids travelIDs
	if err := travelCall(ctx, w, "GET /"+kind+"/new", "/"+kind+"/new", who, nil, &ids); err != nil {
		return 0, err
	}
	names := make([]string, len(photos))
	for i := range photos {
		names[i] = fmt.Sprintf("IMG_%02d.jpg", i)
	}
	info, err := json.Marshal(map[string]any{"images": names, "title": "西湖一日", "description": "三张照片",
		"share": true, "tag": 1, "fps": 24, "latitude": 30.25, "longitude": 120.15})
	if err != nil {
		return 0, err
	}
	if err := travelUpload(ctx, w, who, kind, ids.WorkID, "info.json", info); err != nil {
		return 0, err
	}
	for i, p := range photos {
		if err := travelUpload(ctx, w, who, kind, ids.WorkID, names[i], p); err != nil {
			return 0, err
		}
	}
	return ids.WorkID, travelCall(ctx, w, "GET /"+kind+"/{wid}/start", fmt.Sprintf("/%s/%d/start", kind, ids.WorkID), who, nil, nil)
}

// travelUpload uploads one file to a job.
func travelUpload(ctx context.Context, w *mixWorker, who *travelAccount, kind string, id int64, name string, data []byte) error {
	body, err := travelFile("file", name, data, nil)
	if err != nil {
		return err
	}
	return travelCall(ctx, w, "POST /"+kind+"/{wid}/upload", fmt.Sprintf("/%s/%d/upload", kind, id), who, body, nil)
}

// travelJob is a job's status as the owner reads it.
type travelJob struct {
	Status    int      `json:"status"`
	ResultMsg string   `json:"result_msg"`
	ImageURLs []string `json:"image_urls"`
}

// files are the paths of the job's stored files: the uploads and, once
// done, the result.
func (j travelJob) files() []string {
	var out []string
	for _, u := range append([]string{j.ResultMsg}, j.ImageURLs...) {
		if p, err := url.Parse(u); err == nil && p.Path != "" {
			out = append(out, p.Path)
		}
	}
	return out
}

// travelJobStatus reads a job's status as its owner.
func travelJobStatus(ctx context.Context, w *mixWorker, owner *travelAccount, kind string, id int64) (travelJob, error) {
	var job travelJob
	err := travelCall(ctx, w, "GET /"+kind+"/{wid}/status", fmt.Sprintf("/%s/%d/status", kind, id), owner, nil, &job)
	return job, err
}

// travelWaitJob polls a job's status until it is done (3 minutes at most).
func travelWaitJob(ctx context.Context, w *mixWorker, owner *travelAccount, kind string, id int64) (travelJob, error) {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		job, err := travelJobStatus(ctx, w, owner, kind, id)
		if err != nil {
			return job, err
		}
		switch {
		case job.Status == 200:
			return job, nil
		case job.Status < 0:
			return job, fmt.Errorf("%s %d failed: %s", kind, id, job.ResultMsg)
		case time.Now().After(deadline):
			return job, fmt.Errorf("%s %d not done after 3 minutes (status %d)", kind, id, job.Status)
		}
		select {
		case <-ctx.Done():
			return job, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
