package media

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// ffmpegNice is the scheduling priority ("nice" value) ffmpeg and ffprobe
// run at: an album is a background job, so its encoder yields the cores to
// the server's requests when both want them, and takes them when idle.
const ffmpegNice = 10

// background runs cmd at ffmpegNice and returns what it wrote to standard
// output; a failure's error holds what it wrote to standard error. The
// priority is set as soon as the process started, before ffmpeg starts its
// encoding threads, which inherit it.
func background(cmd *exec.Cmd) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lowerPriority(cmd.Process.Pid, ffmpegNice)
	if err := cmd.Wait(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
