package service

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/origin"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Config is everything the handler needs from its environment. The worker
// main builds it from wrangler vars and secrets (FromEnv), tests build it
// directly; the handler never reads the environment itself, which keeps it
// independent of the Workers bridge.
//
// It formats without its secrets (Format), so a log line or a test failure
// that prints it leaks nothing.
type Config struct {
	Environment   string // "dev" enables /dev/outbox (on loopback hosts only)
	Issuer        string // the iss of signed tokens
	SigningKey    *keys.PrivateKey
	HashKey       []byte // HMAC key for mobile, OTP and subject hashes
	Keyset        *keys.Keyset
	Limits        otp.Limits
	TokenLifetime time.Duration
	// ServiceOrigin is the service's own origin (SERVICE_ORIGIN): the only
	// browser origin the API answers, and the host of the WebOTP line in the
	// SMS. Always configured, never taken from a request, whose Host header
	// the client chooses.
	ServiceOrigin string
	// TrustCFConnectingIP: the client address is Cloudflare's
	// CF-Connecting-IP header. Set by the worker main (inside workerd the
	// edge sets the header); natively the socket's address is used, or
	// TrustedProxies' X-Forwarded-For.
	TrustCFConnectingIP bool
	TrustedProxies      []netip.Prefix
	Now                 func() time.Time
	// Shards maps the registry's buckets to D1 bindings (the var SHARDS,
	// store.ParseShardMap); nil or one binding: everything in DB.
	Shards *store.ShardMap
	// DirectoryTTL is how long an instance caches directory rows
	// (DIRECTORY_CACHE_SECONDS, default store.DefaultDirectoryTTL; 0: no
	// cache).
	DirectoryTTL time.Duration
}

// Format prints the configuration without SigningKey's and HashKey's
// secrets, in every verb.
func (c Config) Format(f fmt.State, _ rune) {
	kid := ""
	if c.SigningKey != nil {
		kid = c.SigningKey.KeyID()
	}
	fmt.Fprintf(f, "service.Config{Environment: %q, Issuer: %q, SigningKey: kid %s REDACTED, HashKey: REDACTED, "+
		"Limits: %+v, TokenLifetime: %s, ServiceOrigin: %q, TrustCFConnectingIP: %t, TrustedProxies: %v, Shards: %v, DirectoryTTL: %s}",
		c.Environment, c.Issuer, kid, c.Limits, c.TokenLifetime, c.ServiceOrigin, c.TrustCFConnectingIP, c.TrustedProxies,
		c.Shards, c.DirectoryTTL)
}

// FromEnv reads the configuration from wrangler-style variables: getenv
// returns "" for unset names. Secrets: SIGNING_KEY (keys.PrivateKey text
// form), HASH_KEY (hex, at least 16 bytes). Vars: ENVIRONMENT (default
// production), ISSUER, SERVICE_ORIGIN (required), TRUSTED_PROXIES,
// OTP_LIFETIME_SECONDS, OTP_MAX_ATTEMPTS, OTP_RESEND_SECONDS,
// OTP_PER_MOBILE_HOUR, OTP_PER_IP_MINUTE, OTP_PER_ENTITY_HOUR,
// OTP_BOOKING_PER_HOUR, WALK_IN_PER_CENTRE_DAY, TOKEN_LIFETIME_SECONDS,
// SHARDS (store.ParseShardMap), DIRECTORY_CACHE_SECONDS.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Environment:   getenv("ENVIRONMENT"),
		Issuer:        getenv("ISSUER"),
		Limits:        otp.DefaultLimits,
		TokenLifetime: 5 * time.Minute,
		DirectoryTTL:  store.DefaultDirectoryTTL,
	}
	shards, err := store.ParseShardMap(getenv("SHARDS"))
	if err != nil {
		return c, err
	}
	c.Shards = shards
	if c.Environment == "" {
		c.Environment = "production"
	}
	if c.Issuer == "" {
		c.Issuer = "kycvs"
	}
	so := getenv("SERVICE_ORIGIN")
	if so == "" {
		return c, errors.New("SERVICE_ORIGIN is not set (the service's own origin, e.g. https://kycvs.example)")
	}
	o, err := origin.Parse(so)
	if err != nil {
		return c, fmt.Errorf("SERVICE_ORIGIN: %w", err)
	}
	c.ServiceOrigin = o
	for _, p := range strings.FieldsFunc(getenv("TRUSTED_PROXIES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		pf, err := netip.ParsePrefix(p)
		if err != nil {
			return c, fmt.Errorf("TRUSTED_PROXIES: %q is not a CIDR prefix", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, pf.Masked())
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
	if getenv("OTP_PER_IP_HOUR") != "" {
		return c, errors.New("OTP_PER_IP_HOUR was replaced by OTP_PER_IP_MINUTE (a burst guard: CGNAT puts thousands of phones behind one address)")
	}
	for _, v := range []struct {
		name string
		dur  *time.Duration
		n    *int
	}{
		{"OTP_LIFETIME_SECONDS", &c.Limits.Lifetime, nil},
		{"OTP_MAX_ATTEMPTS", nil, &c.Limits.MaxAttempts},
		{"OTP_RESEND_SECONDS", &c.Limits.ResendAfter, nil},
		{"OTP_PER_MOBILE_HOUR", nil, &c.Limits.PerMobileHour},
		{"OTP_PER_IP_MINUTE", nil, &c.Limits.PerIPMinute},
		{"OTP_PER_ENTITY_HOUR", nil, &c.Limits.PerEntityHour},
		{"OTP_BOOKING_PER_HOUR", nil, &c.Limits.BookingPerHour},
		{"WALK_IN_PER_CENTRE_DAY", nil, &c.Limits.WalkInPerCentreDay},
		{"TOKEN_LIFETIME_SECONDS", &c.TokenLifetime, nil},
		{"DIRECTORY_CACHE_SECONDS", &c.DirectoryTTL, nil},
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
// sending with do (see sms.Webhook.Do). It returns a function of the
// request's store, because the outbox writes to it.
func SenderFromEnv(getenv func(string) string, env string, do func(*http.Request) (*http.Response, error)) (func(store.Store) sms.Sender, error) {
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
		return func(st store.Store) sms.Sender { return &sms.Outbox{Store: st} }, nil
	case "webhook":
		u, secret := getenv("SMS_WEBHOOK_URL"), getenv("SMS_WEBHOOK_SECRET")
		// Plain http only to this machine (a test's receiver): on
		// Cloudflare such a URL reaches nothing, elsewhere nothing leaves it.
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" || !(pu.Scheme == "https" || pu.Scheme == "http" && origin.IsLoopback(pu.Hostname())) {
			return nil, errors.New("SMS_WEBHOOK_URL must be an https:// URL")
		}
		if len(secret) < 16 {
			return nil, errors.New("SMS_WEBHOOK_SECRET must be at least 16 characters")
		}
		w := &sms.Webhook{URL: u, Secret: []byte(secret), Do: do}
		return func(store.Store) sms.Sender { return w }, nil
	}
	return nil, fmt.Errorf("SMS_MODE %q is not outbox or webhook", mode)
}
