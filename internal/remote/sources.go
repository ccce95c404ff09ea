package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// parse picks the source of a ref.
func parse(ref string, o Options) (source, error) {
	switch {
	case strings.HasPrefix(ref, "hf://"):
		return parseHF(ref, o)
	case strings.HasPrefix(ref, "s3://"):
		return parseS3(ref, o)
	}
	if _, err := url.Parse(ref); err != nil {
		return nil, fmt.Errorf("--input-file %s: %w", ref, err)
	}
	return &web{url: ref, c: o.Client}, nil
}

// hf is a Hugging Face dataset repository, or files of it.
type hf struct {
	endpoint, repo, rev, path, token string
	c                                *http.Client
	sel                              *Selection
}

func parseHF(ref string, o Options) (*hf, error) {
	rest := strings.TrimPrefix(strings.TrimPrefix(ref, "hf://"), "datasets/")
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return nil, fmt.Errorf("--input-file %s: an hf:// reference is hf://ORG/REPO[@REVISION][/PATH]", ref)
	}
	h := &hf{repo: parts[0] + "/" + parts[1], rev: "main", c: o.Client, endpoint: strings.TrimRight(o.Getenv("HF_ENDPOINT"), "/"),
		token: o.Getenv("HF_TOKEN"), sel: o.Select}
	if name, rev, ok := strings.Cut(parts[1], "@"); ok {
		h.repo, h.rev = parts[0]+"/"+name, rev
	}
	if len(parts) == 3 {
		h.path = parts[2]
	}
	if h.endpoint == "" {
		h.endpoint = "https://huggingface.co"
	}
	return h, nil
}

func (h *hf) header() http.Header {
	hd := http.Header{}
	if h.token != "" {
		hd.Set("Authorization", "Bearer "+h.token)
	}
	return hd
}

// resolve asks the Hub for the revision's commit and its files (with the
// SHA-256 of those stored in LFS), and keeps the data files under path.
func (h *hf) resolve(ctx context.Context) (string, []remoteFile, error) {
	u := fmt.Sprintf("%s/api/datasets/%s/revision/%s?blobs=true", h.endpoint, h.repo, url.PathEscape(h.rev))
	var info struct {
		SHA      string `json:"sha"`
		Siblings []struct {
			Name string `json:"rfilename"`
			LFS  *struct {
				SHA256 string `json:"sha256"`
			} `json:"lfs"`
		} `json:"siblings"`
	}
	if err := getJSON(ctx, h.c, u, h.header(), &info); err != nil {
		return "", nil, err
	}
	if info.SHA == "" {
		return "", nil, fmt.Errorf("the Hub gave no commit for %s@%s", h.repo, h.rev)
	}
	lfs := map[string]string{}
	var names []string
	for _, s := range info.Siblings {
		if h.wanted(s.Name) {
			names = append(names, s.Name)
			if s.LFS != nil {
				lfs[s.Name] = s.LFS.SHA256
			}
		}
	}
	if len(names) == 0 {
		return "", nil, fmt.Errorf("%s@%s has no data file (.jsonl, .json, .parquet, .csv) at %q", h.repo, info.SHA, h.path)
	}
	names, err := h.sel.pick(names)
	if err != nil {
		return "", nil, fmt.Errorf("%s@%s: %w", h.repo, info.SHA, err)
	}
	var files []remoteFile
	for _, n := range names {
		files = append(files, remoteFile{name: n, url: fmt.Sprintf("%s/datasets/%s/resolve/%s/%s", h.endpoint, h.repo, info.SHA, n), header: h.header(), sha256: lfs[n]})
	}
	return info.SHA, files, nil
}

// wanted: the file named, or the data files under the folder named.
func (h *hf) wanted(name string) bool {
	switch {
	case h.path == name:
		return true
	case h.path != "" && !strings.HasPrefix(name, strings.TrimSuffix(h.path, "/")+"/"):
		return false
	}
	switch path.Ext(name) {
	case ".jsonl", ".json", ".parquet", ".csv":
		return !strings.HasPrefix(path.Base(name), ".")
	}
	return false
}

// s3 is one object of an S3 (or S3-compatible) bucket.
type s3 struct {
	bucket, key, region, endpoint string
	creds                         aws.Credentials
	c                             *http.Client
}

func parseS3(ref string, o Options) (*s3, error) {
	bucket, key, ok := strings.Cut(strings.TrimPrefix(ref, "s3://"), "/")
	if !ok || bucket == "" || key == "" || strings.HasSuffix(key, "/") {
		return nil, fmt.Errorf("--input-file %s: an s3:// reference is s3://BUCKET/KEY (one object)", ref)
	}
	s := &s3{bucket: bucket, key: key, region: o.Getenv("AWS_REGION"), c: o.Client,
		creds: aws.Credentials{AccessKeyID: o.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: o.Getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: o.Getenv("AWS_SESSION_TOKEN")}}
	if s.region == "" {
		s.region = "us-east-1"
	}
	for _, k := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		if e := o.Getenv(k); e != "" {
			s.endpoint = strings.TrimRight(e, "/") + "/" + bucket // path style, as S3-compatible stores serve
			break
		}
	}
	if s.endpoint == "" {
		s.endpoint = fmt.Sprintf("https://%s.s3.%s.amazonaws.com", bucket, s.region)
	}
	return s, nil
}

// emptySHA256 is the SHA-256 of an empty body (a GET's payload).
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// signed is a GET of the object, SigV4-signed when there are credentials.
func (s *s3) signed(ctx context.Context, method string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.endpoint+"/"+(&url.URL{Path: s.key}).EscapedPath(), nil)
	if err != nil || s.creds.AccessKeyID == "" {
		return req, err
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	return req, v4.NewSigner().SignHTTP(ctx, s.creds, req, emptySHA256, "s3", s.region, time.Now())
}

// resolve heads the object: its ETag (and version) is the revision.
func (s *s3) resolve(ctx context.Context) (string, []remoteFile, error) {
	req, err := s.signed(ctx, http.MethodHead)
	if err != nil {
		return "", nil, err
	}
	resp, err := head(s.c, req, false)
	if err != nil {
		return "", nil, fmt.Errorf("s3://%s/%s: %w", s.bucket, s.key, err)
	}
	rev := strings.Trim(resp.Header.Get("ETag"), `"`) + resp.Header.Get("X-Amz-Version-Id")
	get, err := s.signed(ctx, http.MethodGet)
	if err != nil {
		return "", nil, err
	}
	return rev, []remoteFile{{name: path.Base(s.key), url: get.URL.String(), header: get.Header}}, nil
}

// web is a file at an http(s) URL: its ETag (or size and date) is the
// revision.
type web struct {
	url string
	c   *http.Client
}

func (w *web) resolve(ctx context.Context) (string, []remoteFile, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, w.url, nil)
	if err != nil {
		return "", nil, err
	}
	resp, err := head(w.c, req, true)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", redact(w.url), err)
	}
	rev := strings.Trim(resp.Header.Get("ETag"), `"`)
	if rev == "" {
		rev = resp.Header.Get("Content-Length") + "@" + resp.Header.Get("Last-Modified")
	}
	if rev == "@" { // nothing to pin: a fresh copy each time
		sum := sha256.Sum256([]byte(time.Now().String()))
		rev = "unpinned-" + hex.EncodeToString(sum[:4])
	}
	name := path.Base(strings.SplitN(w.url, "?", 2)[0])
	if name == "" || name == "/" || name == "." {
		name = "data"
	}
	return rev, []remoteFile{{name: name, url: w.url}}, nil
}

func getJSON(ctx context.Context, c *http.Client, u string, h http.Header, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("HTTP %d: a gated or private dataset (set $HF_TOKEN)", resp.StatusCode)
	case http.StatusNotFound:
		return fmt.Errorf("HTTP 404: no such dataset or revision")
	default:
		return fmt.Errorf("HTTP %d from %s", resp.StatusCode, redact(u))
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// head sends a HEAD request and checks its status: 200, or (lenient) any
// but an error status, a server that refuses HEAD included.
func head(c *http.Client, req *http.Request, lenient bool) (*http.Response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	ok := resp.StatusCode == http.StatusOK
	if lenient {
		ok = resp.StatusCode < 400 || resp.StatusCode == http.StatusMethodNotAllowed
	}
	if !ok {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp, nil
}
