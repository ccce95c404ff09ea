package transport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigV4 signs requests with AWS Signature Version 4 (--auth-type sigv4, a
// SageMaker endpoint), with the AWS SDK for Go's own signer: for endpoints
// behind IAM, API Gateway, SageMaker, a Lambda function URL. It signs what
// both clients send: the method, the URL's path and query, the Host, the
// request's headers (Content-Type, the ids), Content-Length, X-Amz-Date,
// X-Amz-Security-Token when the credentials are temporary, and the body's
// SHA-256. The engine signs each request as it builds its body, before the
// send time, so the hashing never sits between the intended instant and
// the write.
type SigV4 struct {
	creds           aws.Credentials
	region, service string
	signer          *v4.Signer
}

// AWSCredentials are an access key, its secret and, for temporary
// credentials, the session token.
type AWSCredentials struct{ AccessKey, Secret, Token string }

// NewSigV4 signs with creds for service in region.
func NewSigV4(creds AWSCredentials, region, service string) *SigV4 {
	return &SigV4{creds: aws.Credentials{AccessKeyID: creds.AccessKey, SecretAccessKey: creds.Secret, SessionToken: creds.Token},
		region: region, service: service, signer: v4.NewSigner()}
}

// Sign returns the headers that sign a request of body to rawURL with
// header (and extra, which replace any of the same name) at t.
func (s *SigV4) Sign(method, rawURL string, header http.Header, extra []HeaderField, body []byte, t time.Time) ([]HeaderField, error) {
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header = header.Clone() // the signer adds to it: never to the shared one
	if req.Header == nil {
		req.Header = http.Header{}
	}
	for _, f := range extra {
		req.Header.Set(f.Key, f.Value)
	}
	req.ContentLength = int64(len(body))
	sum := sha256.Sum256(body)
	if err := s.signer.SignHTTP(context.Background(), s.creds, req, hex.EncodeToString(sum[:]), s.service, s.region, t); err != nil {
		return nil, err
	}
	out := []HeaderField{{"X-Amz-Date", req.Header.Get("X-Amz-Date")}}
	if tok := req.Header.Get("X-Amz-Security-Token"); tok != "" {
		out = append(out, HeaderField{"X-Amz-Security-Token", tok})
	}
	return append(out, HeaderField{"Authorization", req.Header.Get("Authorization")}), nil
}
