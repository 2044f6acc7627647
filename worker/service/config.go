package service

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Config is everything the handler needs from its environment. The worker
// main builds it from wrangler vars and secrets (FromEnv), tests build it
// directly; the handler never reads the environment itself, which keeps it
// independent of the Workers bridge.
type Config struct {
	Environment   string // "dev" enables /dev/outbox
	Issuer        string // the iss of signed tokens
	SigningKey    *keys.PrivateKey
	HashKey       []byte // HMAC key for mobile, OTP and subject hashes
	Keyset        *keys.Keyset
	Limits        otp.Limits
	TokenLifetime time.Duration
	// ServiceOrigin is the origin the API answers browsers from (the widget's
	// origin). Empty: the origin of the request URL, which is right behind
	// wrangler dev and a workers.dev or custom domain route.
	ServiceOrigin string
	Now           func() time.Time
}

// FromEnv reads the configuration from wrangler-style variables: getenv
// returns "" for unset names. Secrets: SIGNING_KEY (keys.PrivateKey text
// form), HASH_KEY (hex, at least 16 bytes). Vars: ENVIRONMENT, ISSUER,
// SERVICE_ORIGIN, OTP_LIFETIME_SECONDS, OTP_MAX_ATTEMPTS,
// OTP_RESEND_SECONDS, OTP_PER_MOBILE_HOUR, OTP_PER_IP_HOUR,
// OTP_PER_ENTITY_HOUR, TOKEN_LIFETIME_SECONDS.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Environment:   getenv("ENVIRONMENT"),
		Issuer:        getenv("ISSUER"),
		ServiceOrigin: getenv("SERVICE_ORIGIN"),
		Limits:        otp.DefaultLimits,
		TokenLifetime: 5 * time.Minute,
	}
	if c.Environment == "" {
		c.Environment = "production"
	}
	if c.Issuer == "" {
		c.Issuer = "kycvs"
	}
	sk := getenv("SIGNING_KEY")
	if sk == "" {
		return c, errors.New("SIGNING_KEY is not set")
	}
	k, err := keys.ParsePrivateKey(sk)
	if err != nil {
		return c, fmt.Errorf("SIGNING_KEY: %w", err)
	}
	c.SigningKey = k
	hk, err := hex.DecodeString(getenv("HASH_KEY"))
	if err != nil || len(hk) < 16 {
		return c, errors.New("HASH_KEY must be at least 16 bytes, hex encoded")
	}
	c.HashKey = hk
	for _, v := range []struct {
		name string
		dur  *time.Duration
		n    *int
	}{
		{"OTP_LIFETIME_SECONDS", &c.Limits.Lifetime, nil},
		{"OTP_MAX_ATTEMPTS", nil, &c.Limits.MaxAttempts},
		{"OTP_RESEND_SECONDS", &c.Limits.ResendAfter, nil},
		{"OTP_PER_MOBILE_HOUR", nil, &c.Limits.PerMobileHour},
		{"OTP_PER_IP_HOUR", nil, &c.Limits.PerIPHour},
		{"OTP_PER_ENTITY_HOUR", nil, &c.Limits.PerEntityHour},
		{"TOKEN_LIFETIME_SECONDS", &c.TokenLifetime, nil},
	} {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return c, fmt.Errorf("%s: %q is not a non-negative integer", v.name, s)
		}
		if v.dur != nil {
			*v.dur = time.Duration(n) * time.Second
		} else {
			*v.n = n
		}
	}
	return c, nil
}

// SenderFromEnv picks the SMS sender: SMS_MODE "outbox" (the default in the
// dev environment) stores messages for /dev/outbox; "webhook" (the default
// elsewhere) posts them to SMS_WEBHOOK_URL signed with SMS_WEBHOOK_SECRET,
// sending with do (see sms.Webhook.Do).
func SenderFromEnv(getenv func(string) string, env string, st store.Store, do func(*http.Request) (*http.Response, error)) (sms.Sender, error) {
	mode := getenv("SMS_MODE")
	if mode == "" {
		mode = "webhook"
		if env == "dev" {
			mode = "outbox"
		}
	}
	switch mode {
	case "outbox":
		if env != "dev" {
			return nil, errors.New("SMS_MODE outbox is only for ENVIRONMENT dev")
		}
		return &sms.Outbox{Store: st}, nil
	case "webhook":
		u, secret := getenv("SMS_WEBHOOK_URL"), getenv("SMS_WEBHOOK_SECRET")
		if !strings.HasPrefix(u, "https://") && !(env == "dev" && strings.HasPrefix(u, "http://")) {
			return nil, errors.New("SMS_WEBHOOK_URL must be an https:// URL")
		}
		if len(secret) < 16 {
			return nil, errors.New("SMS_WEBHOOK_SECRET must be at least 16 characters")
		}
		return &sms.Webhook{URL: u, Secret: []byte(secret), Do: do}, nil
	}
	return nil, fmt.Errorf("SMS_MODE %q is not outbox or webhook", mode)
}
