package files

import (
	"context"
	"strings"
	"time"
)

// Objects is the object-storage port: files kept under keys (paths of
// [A-Za-z0-9._-] segments) whose bytes clients move themselves with
// presigned URLs, and which the server reads back to check them. Two
// adapters implement it: Disk (the default: a directory, the server issuing
// and checking its own signed URLs) and S3 (any S3-compatible service).
// 003's ticket files use it, and so may any module that hands out uploads.
type Objects interface {
	// PresignPut is a URL a client PUTs the bytes to until ttl passes; a
	// Disk URL is a path on this server (the edge makes it absolute).
	PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error)
	// PresignGet is a URL a client GETs the bytes from until ttl passes.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
	// Stat is the stored size; ErrNotFound when nothing is stored.
	Stat(ctx context.Context, key string) (int64, error)
	// Get reads at most max bytes; ErrNotFound when nothing is stored,
	// ErrTooLarge when there are more.
	Get(ctx context.Context, key string, max int64) ([]byte, error)
	// Put stores data (server-side writes).
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Delete removes an object; a missing one is no error.
	Delete(ctx context.Context, key string) error
	// Domain describes where objects live, as 003's "domain" object says.
	Domain() Domain
}

// Domain is where an Objects adapter keeps objects: tastypie's domain
// object (protocol://location:port/prefix).
type Domain struct {
	Name     string
	Protocol string
	Location string
	Port     string
	Prefix   string
}

// ErrTooLarge is an object larger than a read allowed.
var ErrTooLarge = errorString("files: object too large")

type errorString string

func (e errorString) Error() string { return string(e) }

// ValidObjectKey accepts keys of non-empty segments of [A-Za-z0-9._-]
// separated by slashes, none "." or "..", at most 512 bytes.
func ValidObjectKey(key string) bool {
	if key == "" || len(key) > 512 {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				return false
			}
		}
	}
	return true
}
