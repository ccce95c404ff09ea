package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Hub fetches tokenizer.json files from the Hugging Face Hub (or a mirror
// at $HF_ENDPOINT) into the Hugging Face cache layout, so later runs and
// Python tools find them offline.
type Hub struct {
	Endpoint string // $HF_ENDPOINT, default https://huggingface.co
	Token    string // $HF_TOKEN
	CacheDir string // HFCacheDir
	Client   *http.Client
}

// NewHub reads the Hub settings from the environment.
func NewHub(getenv func(string) string) *Hub {
	ep := strings.TrimRight(getenv("HF_ENDPOINT"), "/")
	if ep == "" {
		ep = "https://huggingface.co"
	}
	token := getenv("HF_TOKEN")
	if token == "" {
		token = getenv("HUGGING_FACE_HUB_TOKEN")
	}
	// A firewall that drops packets must not hold a run for the whole
	// timeout: a connection gets 3 s, a download 30 s.
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, DialContext: (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second}
	return &Hub{Endpoint: ep, Token: token, CacheDir: HFCacheDir(getenv), Client: &http.Client{Timeout: 30 * time.Second, Transport: tr}}
}

// Offline reports whether the environment forbids Hub access.
func Offline(getenv func(string) string) bool {
	for _, k := range []string{"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"} {
		switch strings.ToLower(getenv(k)) {
		case "1", "true", "yes", "on":
			return true
		}
	}
	return false
}

// Hub errors a caller can tell apart.
var (
	ErrGated     = errors.New("gated or private repository")
	ErrMissing   = errors.New("repository or file not found")
	ErrAmbiguous = errors.New("ambiguous model name")
)

func (h *Hub) get(u string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	return h.Client.Do(req)
}

// Download fetches repo's tokenizer.json at revision into the cache and
// returns its path.
func (h *Hub) Download(repo, revision string) (string, error) {
	if revision == "" {
		revision = "main"
	}
	u := fmt.Sprintf("%s/%s/resolve/%s/tokenizer.json", h.Endpoint, repo, url.PathEscape(revision))
	resp, err := h.get(u)
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		hint := "set HF_TOKEN to a token that may read it"
		if h.Token != "" {
			hint = "your HF_TOKEN may not read it: accept the model's terms on its Hub page"
		}
		return "", fmt.Errorf("%s: %w (HTTP %d); %s", repo, ErrGated, resp.StatusCode, hint)
	case resp.StatusCode == http.StatusNotFound:
		return "", fmt.Errorf("%s at revision %q has no tokenizer.json: %w", repo, revision, ErrMissing)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("downloading %s: HTTP %d", u, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", u, err)
	}
	commit := resp.Header.Get("X-Repo-Commit")
	if commit == "" || strings.ContainsAny(commit, "/\\.") {
		commit = revision
	}
	dir := filepath.Join(h.CacheDir, "models--"+strings.ReplaceAll(repo, "/", "--"))
	snap := filepath.Join(dir, "snapshots", commit)
	if err := os.MkdirAll(snap, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(snap, "tokenizer.json")
	tmp := path + ".part"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	h.fetchConfig(repo, commit, snap)
	if err := os.MkdirAll(filepath.Join(dir, "refs"), 0o755); err == nil {
		os.WriteFile(filepath.Join(dir, "refs", revision), []byte(commit), 0o644)
	}
	return path, nil
}

// Search resolves a bare model name ("Qwen3-0.6B") to a repo id, as AIPerf's
// pre-flight does: an exact match, or the most downloaded repo whose name
// ends with "/<name>"; several equally good candidates are ambiguous.
func (h *Hub) Search(name string) (string, error) {
	u := fmt.Sprintf("%s/api/models?search=%s&limit=50", h.Endpoint, url.QueryEscape(name))
	resp, err := h.get(u)
	if err != nil {
		return "", fmt.Errorf("searching the Hub for %q: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("searching the Hub for %q: HTTP %d", name, resp.StatusCode)
	}
	var models []struct {
		ID        string `json:"id"`
		Downloads int    `json:"downloads"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&models); err != nil {
		return "", fmt.Errorf("searching the Hub for %q: %w", name, err)
	}
	var matches []string
	downloads := map[string]int{}
	for _, m := range models {
		if strings.EqualFold(m.ID, name) {
			return m.ID, nil
		}
		if strings.HasSuffix(strings.ToLower(m.ID), "/"+strings.ToLower(name)) {
			matches = append(matches, m.ID)
			downloads[m.ID] = m.Downloads
		}
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("no Hub model is named %q: %w", name, ErrMissing)
	case 1:
		return matches[0], nil
	}
	sort.Slice(matches, func(i, j int) bool { return downloads[matches[i]] > downloads[matches[j]] })
	return "", fmt.Errorf("%w %q: %s; pass the full id with --tokenizer", ErrAmbiguous, name, strings.Join(matches[:min(5, len(matches))], ", "))
}

// fetchConfig also caches the repo's tokenizer_config.json (its chat
// template, for --apply-chat-template) when it has one; a failure only
// means there is none to use.
func (h *Hub) fetchConfig(repo, revision, snap string) {
	u := fmt.Sprintf("%s/%s/resolve/%s/tokenizer_config.json", h.Endpoint, repo, url.PathEscape(revision))
	resp, err := h.get(u)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err == nil {
		path := filepath.Join(snap, "tokenizer_config.json")
		if os.WriteFile(path+".part", data, 0o644) == nil {
			os.Rename(path+".part", path)
		}
	}
}
