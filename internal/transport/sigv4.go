package transport

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"time"
)

// SigV4 signs requests with AWS Signature Version 4 (--auth-type sigv4),
// for endpoints behind IAM: API Gateway, SageMaker, a Lambda function URL.
// It signs what both clients send: the method, the URL's path and query,
// the Host (the URL's host, as written), X-Amz-Date, X-Amz-Security-Token
// when the credentials are temporary, and the body's SHA-256. The engine
// signs each request as it builds its body, before the send time, so the
// hashing never sits between the intended instant and the write.
type SigV4 struct {
	Creds           AWSCredentials
	Region, Service string
}

// AWSCredentials are an access key, its secret and, for temporary
// credentials, the session token.
type AWSCredentials struct{ AccessKey, Secret, Token string }

// Sign returns the headers that sign a POST of body to rawURL at t.
func (s *SigV4) Sign(method, rawURL string, body []byte, t time.Time) ([]HeaderField, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	t = t.UTC()
	stamp, day := t.Format("20060102T150405Z"), t.Format("20060102")
	headers := [][2]string{{"host", u.Host}, {"x-amz-date", stamp}}
	if s.Creds.Token != "" {
		headers = append(headers, [2]string{"x-amz-security-token", s.Creds.Token})
	}
	var canon, names strings.Builder
	for i, h := range headers { // already in order
		canon.WriteString(h[0] + ":" + strings.TrimSpace(h[1]) + "\n")
		if i > 0 {
			names.WriteByte(';')
		}
		names.WriteString(h[0])
	}
	sum := sha256.Sum256(body)
	request := strings.Join([]string{method, canonicalPath(u), canonicalQuery(u), canon.String(), names.String(),
		hex.EncodeToString(sum[:])}, "\n")
	scope := day + "/" + s.Region + "/" + s.Service + "/aws4_request"
	reqSum := sha256.Sum256([]byte(request))
	toSign := "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(reqSum[:])
	key := []byte("AWS4" + s.Creds.Secret)
	for _, part := range []string{day, s.Region, s.Service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	out := []HeaderField{{"X-Amz-Date", stamp}}
	if s.Creds.Token != "" {
		out = append(out, HeaderField{"X-Amz-Security-Token", s.Creds.Token})
	}
	return append(out, HeaderField{"Authorization", "AWS4-HMAC-SHA256 Credential=" + s.Creds.AccessKey + "/" + scope +
		", SignedHeaders=" + names.String() + ", Signature=" + sig}), nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalPath is the path as sent, encoded once more (AWS's rule for
// every service but S3).
func canonicalPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return awsEscape(p, false)
}

// canonicalQuery sorts the parameters by name, then value, each encoded.
func canonicalQuery(u *url.URL) string {
	var pairs [][2]string
	for k, vs := range u.Query() {
		for _, v := range vs {
			pairs = append(pairs, [2]string{awsEscape(k, true), awsEscape(v, true)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p[0] + "=" + p[1])
	}
	return b.String()
}

// awsEscape percent-encodes every byte but the unreserved ones (and '/'
// in a path), in upper-case hex, as SigV4 requires.
func awsEscape(s string, slash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~', c == '/' && !slash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
