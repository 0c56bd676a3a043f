// Package aws connects tollgate to AWS: a Snapshotter that lists the account's IAM users,
// groups and roles with their policies and access keys (iam:GetAccountAuthorizationDetails,
// ListAccessKeys, GetAccessKeyLastUsed), and a Puller that reads CloudTrail's log files
// from S3 as the trail's S3 event notifications arrive on an SQS queue. Both feed the
// connectors framework (connectors.RunSnapshot, connectors.RunPull), which produces their
// events to tollgate.events. Every log record goes through ingest.ParseCloudTrail, the
// parser of the /v1/ingest/cloudtrail receiver, and every snapshot entitlement is the one
// ingest makes of the CloudTrail record that grants it (AttachUserPolicy, PutUserPolicy,
// AddUserToGroup…), so pulled, pushed and listed state meet on one key.
package aws

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tollgate-io/tollgate/internal/config"
)

// Defaults.
const (
	DefaultWaitTime    = 20 * time.Second
	DefaultMaxMessages = 10
	DefaultPageSize    = 100
)

// Endpoints override the service endpoints (VPC endpoints, LocalStack, tests).
type Endpoints struct {
	IAM string `yaml:"iam"`
	SQS string `yaml:"sqs"`
	S3  string `yaml:"s3"`
}

// Config is the connectors.aws section. Without access_key_id the standard credential
// chain applies (environment, shared config and profile, web identity, ECS/EC2 roles).
type Config struct {
	Region  string `yaml:"region"`
	Profile string `yaml:"profile"`
	// AccessKeyID and SecretAccessKey are static credentials, for where no role can be
	// used; SecretAccessKeyFile is read into SecretAccessKey by config.Load.
	AccessKeyID         string        `yaml:"access_key_id"`
	SecretAccessKey     config.Secret `yaml:"secret_access_key"`
	SecretAccessKeyFile string        `yaml:"secret_access_key_file"`
	SessionToken        config.Secret `yaml:"session_token"`
	SessionTokenFile    string        `yaml:"session_token_file"`
	Endpoints           Endpoints     `yaml:"endpoints"`
	// S3PathStyle addresses buckets as https://host/bucket (S3-compatible stores, tests).
	S3PathStyle bool `yaml:"s3_path_style"`
	// QueueURL is the SQS queue the trail bucket's object-created notifications reach
	// (directly, through SNS, or CloudTrail's own SNS notification); the puller needs it.
	QueueURL string `yaml:"queue_url"`
	// WaitTime is the long poll of each receive (0–20s, default 20s); MaxMessages the
	// messages per receive (1–10, default 10).
	WaitTime    config.Duration `yaml:"wait_time"`
	MaxMessages int             `yaml:"max_messages"`
	// PageSize is MaxItems of the IAM listings (1–1000, default 100).
	PageSize int `yaml:"page_size"`
}

var (
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	keyIDPattern  = regexp.MustCompile(`^(AKIA|ASIA)[A-Z0-9]{12,124}$`)
)

// Validate reports every problem of c, each naming its key under key (e.g.
// "connectors.aws.region"). Secret values never appear in an error.
func (c *Config) Validate(key string) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, config.Invalid(fmt.Errorf("%s.%s: %s", key, field, fmt.Sprintf(format, args...))))
	}
	switch {
	case c.Region == "":
		bad("region", "required: the region of the queue and the trail bucket (e.g. us-east-1)")
	case !regionPattern.MatchString(c.Region):
		bad("region", "%q is not a region name like eu-west-1", c.Region)
	}
	switch {
	case c.AccessKeyID != "" && c.SecretAccessKey == "":
		bad("secret_access_key", "required with access_key_id (or secret_access_key_file)")
	case c.AccessKeyID == "" && c.SecretAccessKey != "":
		bad("access_key_id", "required with secret_access_key")
	case c.AccessKeyID != "" && !keyIDPattern.MatchString(c.AccessKeyID):
		bad("access_key_id", "is not an access key id (AKIA… or ASIA…)")
	}
	if c.SessionToken != "" && c.AccessKeyID == "" {
		bad("session_token", "needs access_key_id and secret_access_key")
	}
	if c.Profile != "" && c.AccessKeyID != "" {
		bad("profile", "set either profile or access_key_id, not both")
	}
	for field, u := range map[string]string{"endpoints.iam": c.Endpoints.IAM, "endpoints.sqs": c.Endpoints.SQS, "endpoints.s3": c.Endpoints.S3} {
		if err := checkURL(u); err != nil {
			bad(field, "%v", err)
		}
	}
	if c.QueueURL != "" {
		if err := checkURL(c.QueueURL); err != nil {
			bad("queue_url", "%v", err)
		}
	}
	if c.WaitTime < 0 || c.WaitTime.D() > 20*time.Second {
		bad("wait_time", "%s is outside 0–20s (SQS's long-poll limit)", c.WaitTime)
	}
	if c.MaxMessages < 0 || c.MaxMessages > 10 {
		bad("max_messages", "%d is outside 1–10", c.MaxMessages)
	}
	if c.PageSize < 0 || c.PageSize > 1000 {
		bad("page_size", "%d is outside 1–1000", c.PageSize)
	}
	return errs
}

// checkURL accepts "", https URLs, and http only to a loopback address.
func checkURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return errors.New("not an absolute URL")
	}
	if u.User != nil {
		return errors.New("must not carry credentials")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
		return errors.New("http is allowed only to a loopback address; use https")
	}
	return fmt.Errorf("scheme %q is not https", u.Scheme)
}

func (c Config) withDefaults() Config {
	if c.WaitTime == 0 {
		c.WaitTime = config.Duration(DefaultWaitTime)
	}
	if c.MaxMessages == 0 {
		c.MaxMessages = DefaultMaxMessages
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	return c
}

func (c *Config) validate() error {
	if errs := c.Validate("connectors.aws"); len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

// trimSlash drops a trailing slash of an endpoint.
func trimSlash(s string) string { return strings.TrimRight(s, "/") }
