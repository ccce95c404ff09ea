package transport

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// AWS's published Signature Version 4 test suite: the same credentials,
// date and requests give the same signatures, byte for byte (the SDK's
// signer, wired as sonde uses it).
func TestSigV4PublishedVectors(t *testing.T) {
	s := NewSigV4(AWSCredentials{AccessKey: "AKIDEXAMPLE", Secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}, "us-east-1", "service")
	at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	for _, c := range []struct{ name, method, url, sig string }{
		{"get-vanilla", "GET", "https://example.amazonaws.com/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"post-vanilla", "POST", "https://example.amazonaws.com/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
		{"get-vanilla-query-order-key-case", "GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1",
			"b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	} {
		h, err := s.Sign(c.method, c.url, nil, nil, nil, at)
		if err != nil {
			t.Fatal(err)
		}
		want := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + c.sig
		if len(h) != 2 || h[0] != (HeaderField{"X-Amz-Date", "20150830T123600Z"}) || h[1] != (HeaderField{"Authorization", want}) {
			t.Errorf("%s: %v", c.name, h)
		}
	}
	// Temporary credentials sign their token too; the request's headers
	// and its body are signed; the shared header is left as it was.
	s = NewSigV4(AWSCredentials{AccessKey: "AKIDEXAMPLE", Secret: "x", Token: "tok"}, "us-east-1", "service")
	shared := http.Header{"Content-Type": {"application/json"}}
	h, _ := s.Sign("POST", "https://example.amazonaws.com/v1/chat/completions", shared, []HeaderField{{"X-Request-Id", "1"}}, []byte(`{}`), at)
	if len(h) != 3 || h[1] != (HeaderField{"X-Amz-Security-Token", "tok"}) ||
		!strings.Contains(h[2].Value, "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-request-id,") || len(shared) != 1 {
		t.Errorf("with a token: %v (shared %v)", h, shared)
	}
	if _, err := s.Sign("POST", "http://[::1", nil, nil, nil, at); err == nil {
		t.Error("a bad URL signed")
	}
}

func TestLoadAWSCredentials(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	file := "[default]\naws_access_key_id = AK1\naws_secret_access_key = S1\n\n[prod]\n# a comment\naws_access_key_id=AK2\naws_secret_access_key=S2\naws_session_token=T2\n"
	read := func(p string) ([]byte, error) {
		if p == "/h/.aws/credentials" || p == "/c" {
			return []byte(file), nil
		}
		return nil, errors.New("open " + p + ": no such file")
	}
	for _, c := range []struct {
		env  map[string]string
		want AWSCredentials
		from string
	}{
		{map[string]string{"AWS_ACCESS_KEY_ID": "E", "AWS_SECRET_ACCESS_KEY": "ES", "AWS_SESSION_TOKEN": "ET", "HOME": "/h"}, AWSCredentials{"E", "ES", "ET"}, "the environment"},
		{map[string]string{"HOME": "/h"}, AWSCredentials{"AK1", "S1", ""}, "/h/.aws/credentials [default]"},
		{map[string]string{"AWS_SHARED_CREDENTIALS_FILE": "/c", "AWS_PROFILE": "prod"}, AWSCredentials{"AK2", "S2", "T2"}, "/c [prod]"},
	} {
		got, from, err := LoadAWSCredentials(env(c.env), read)
		if err != nil || got != c.want || from != c.from {
			t.Errorf("%v: %+v from %q, %v", c.env, got, from, err)
		}
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "set AWS_ACCESS_KEY_ID"},
		{map[string]string{"HOME": "/none"}, "no such file"},
		{map[string]string{"HOME": "/h", "AWS_PROFILE": "nope"}, "no aws_access_key_id and aws_secret_access_key in profile [nope]"},
	} {
		if _, _, err := LoadAWSCredentials(env(c.env), read); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v", c.env, err)
		}
	}
}
