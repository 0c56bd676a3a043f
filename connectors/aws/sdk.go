package aws

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// newRetryer is the SDK's retryer: the standard one (throttling and 5xx retried with
// jittered backoff, up to 3 attempts). Tests replace it with one that does not wait.
var newRetryer func() aws.Retryer

// loadSDK builds the SDK configuration of c: the standard credential chain unless static
// keys are configured, hc for every call.
func loadSDK(ctx context.Context, c Config, hc *http.Client) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(c.Region)}
	if hc != nil {
		opts = append(opts, awsconfig.WithHTTPClient(hc))
	}
	if c.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(c.Profile))
	}
	if c.AccessKeyID != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			c.AccessKeyID, c.SecretAccessKey.Reveal(), c.SessionToken.Reveal())))
	}
	if newRetryer != nil {
		opts = append(opts, awsconfig.WithRetryer(newRetryer))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		// The shared config's parse errors name files and profiles, never key values.
		return aws.Config{}, fmt.Errorf("connectors.aws: loading the AWS configuration: %w", err)
	}
	return cfg, nil
}
