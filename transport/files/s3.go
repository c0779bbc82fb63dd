package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/cors"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// S3Config is an S3-compatible service.
type S3Config struct {
	// Endpoint is host[:port] of the service (s3.amazonaws.com, 127.0.0.1:9000).
	Endpoint  string
	UseSSL    bool
	Region    string
	Bucket    string
	AccessKey string
	SecretKey string
	// Prefix is prepended to every key ("test" → test/<key>).
	Prefix string
}

// S3 keeps objects in a bucket of an S3-compatible service (minio-go
// client, path-style URLs, SigV4 presigned URLs).
type S3 struct {
	c      *minio.Client
	cfg    S3Config
	prefix string
}

// NewS3 returns the adapter; it does no I/O.
func NewS3(cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("files: S3 needs an endpoint and a bucket")
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL, Region: cfg.Region, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("files: S3 client: %w", err)
	}
	p := strings.Trim(cfg.Prefix, "/")
	if p != "" {
		p += "/"
	}
	return &S3{c: c, cfg: cfg, prefix: p}, nil
}

// Prepare makes the bucket when it does not exist and, given origins, sets
// its CORS rules so that web clients may PUT and GET with presigned URLs.
func (s *S3) Prepare(ctx context.Context, origins []string) error {
	ok, err := s.c.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("files: bucket %s: %w", s.cfg.Bucket, err)
	}
	if !ok {
		if err := s.c.MakeBucket(ctx, s.cfg.Bucket, minio.MakeBucketOptions{Region: s.cfg.Region}); err != nil {
			return fmt.Errorf("files: make bucket %s: %w", s.cfg.Bucket, err)
		}
	}
	if len(origins) == 0 {
		return nil
	}
	rules := []cors.Rule{{AllowedOrigin: origins, AllowedMethod: []string{"GET", "PUT", "HEAD"}, AllowedHeader: []string{"*"},
		ExposeHeader: []string{"ETag"}, MaxAgeSeconds: 3000}}
	if err := s.c.SetBucketCors(ctx, s.cfg.Bucket, cors.NewConfig(rules)); err != nil {
		return fmt.Errorf("files: bucket CORS: %w", err)
	}
	return nil
}

func (s *S3) key(key string) (string, error) {
	if !ValidObjectKey(key) {
		return "", fmt.Errorf("files: invalid key %q", key)
	}
	return s.prefix + key, nil
}

func notFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound"
}

// PresignPut implements Objects.
func (s *S3) PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	u, err := s.c.PresignedPutObject(ctx, s.cfg.Bucket, k, ttl)
	if err != nil {
		return "", fmt.Errorf("files: presign put: %w", err)
	}
	return u.String(), nil
}

// PresignGet implements Objects.
func (s *S3) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	u, err := s.c.PresignedGetObject(ctx, s.cfg.Bucket, k, ttl, url.Values{})
	if err != nil {
		return "", fmt.Errorf("files: presign get: %w", err)
	}
	return u.String(), nil
}

// Stat implements Objects.
func (s *S3) Stat(ctx context.Context, key string) (int64, error) {
	k, err := s.key(key)
	if err != nil {
		return 0, ErrNotFound
	}
	info, err := s.c.StatObject(ctx, s.cfg.Bucket, k, minio.StatObjectOptions{})
	if notFound(err) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("files: stat %s: %w", key, err)
	}
	return info.Size, nil
}

// Get implements Objects.
func (s *S3) Get(ctx context.Context, key string, max int64) ([]byte, error) {
	size, err := s.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	if size > max {
		return nil, ErrTooLarge
	}
	k, _ := s.key(key)
	obj, err := s.c.GetObject(ctx, s.cfg.Bucket, k, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("files: get %s: %w", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, max+1))
	if notFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("files: read %s: %w", key, err)
	}
	if int64(len(data)) > max {
		return nil, ErrTooLarge
	}
	return data, nil
}

// Put implements Objects.
func (s *S3) Put(ctx context.Context, key string, data []byte, contentType string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	_, err = s.c.PutObject(ctx, s.cfg.Bucket, k, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("files: put %s: %w", key, err)
	}
	return nil
}

// Delete implements Objects.
func (s *S3) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return nil
	}
	if err := s.c.RemoveObject(ctx, s.cfg.Bucket, k, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("files: delete %s: %w", key, err)
	}
	return nil
}

// Domain implements Objects.
func (s *S3) Domain() Domain {
	host, port, err := net.SplitHostPort(s.cfg.Endpoint)
	if err != nil {
		host, port = s.cfg.Endpoint, "443"
		if !s.cfg.UseSSL {
			port = "80"
		}
	}
	proto := "https"
	if !s.cfg.UseSSL {
		proto = "http"
	}
	return Domain{Name: s.cfg.Bucket, Protocol: proto, Location: host, Port: port,
		Prefix: "/" + s.cfg.Bucket + "/" + strings.TrimSuffix(s.prefix, "/")}
}

type s3Object struct {
	*minio.Object
	info minio.ObjectInfo
}

func (o s3Object) Size() int64        { return o.info.Size }
func (o s3Object) ModTime() time.Time { return o.info.LastModified }

// Open implements Tree: the object is read from the service as the reader
// asks (a range request reads only its range).
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, ErrNotFound
	}
	obj, err := s.c.GetObject(ctx, s.cfg.Bucket, k, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("files: get %s: %w", key, err)
	}
	info, err := obj.Stat()
	if notFound(err) {
		obj.Close()
		return nil, ErrNotFound
	}
	if err != nil {
		obj.Close()
		return nil, fmt.Errorf("files: stat %s: %w", key, err)
	}
	return s3Object{obj, info}, nil
}

// DeletePrefix implements Tree: lists the objects under prefix+"/" and
// removes each.
func (s *S3) DeletePrefix(ctx context.Context, prefix string) error {
	k, err := s.key(prefix)
	if err != nil {
		return err
	}
	var errs []error
	for o := range s.c.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: k + "/", Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("files: list %s: %w", prefix, o.Err)
		}
		if err := s.c.RemoveObject(ctx, s.cfg.Bucket, o.Key, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
			errs = append(errs, fmt.Errorf("files: delete %s: %w", o.Key, err))
		}
	}
	return errors.Join(errs...)
}
