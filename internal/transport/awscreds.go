package transport

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// LoadAWSCredentials finds the credentials the AWS CLI would use first:
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), or
// the profile AWS_PROFILE (else "default") of the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials). Single sign-on,
// roles and instance metadata are the AWS CLI's to resolve:
// `eval "$(aws configure export-credentials --format env)"` puts any of
// them in the environment. It says where the credentials came from.
func LoadAWSCredentials(getenv func(string) string, readFile func(string) ([]byte, error)) (AWSCredentials, string, error) {
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		return AWSCredentials{AccessKey: id, Secret: secret, Token: getenv("AWS_SESSION_TOKEN")}, "the environment", nil
	}
	path := getenv("AWS_SHARED_CREDENTIALS_FILE")
	if path == "" {
		home := getenv("HOME")
		if home == "" {
			return AWSCredentials{}, "", fmt.Errorf("--auth-type sigv4: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or HOME for ~/.aws/credentials")
		}
		path = filepath.Join(home, ".aws", "credentials")
	}
	profile := getenv("AWS_PROFILE")
	if profile == "" {
		profile = "default"
	}
	data, err := readFile(path)
	if err != nil {
		return AWSCredentials{}, "", fmt.Errorf("--auth-type sigv4: no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and %v", err)
	}
	c := profileKeys(data, profile)
	if c.AccessKey == "" || c.Secret == "" {
		return AWSCredentials{}, "", fmt.Errorf("--auth-type sigv4: %s has no aws_access_key_id and aws_secret_access_key in profile [%s]", path, profile)
	}
	return c, fmt.Sprintf("%s [%s]", path, profile), nil
}

// profileKeys reads one profile's keys from an INI credentials file.
func profileKeys(data []byte, profile string) AWSCredentials {
	var c AWSCredentials
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			in = strings.TrimSpace(strings.Trim(line, "[]")) == profile
		case in:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			switch v = strings.TrimSpace(v); strings.ToLower(strings.TrimSpace(k)) {
			case "aws_access_key_id":
				c.AccessKey = v
			case "aws_secret_access_key":
				c.Secret = v
			case "aws_session_token":
				c.Token = v
			}
		}
	}
	return c
}
