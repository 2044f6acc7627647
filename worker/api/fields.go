package api

import (
	"context"
	"strconv"
	"strings"

	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/names"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Request is a JSON request body that checks itself once decoded: its
// required fields and their formats, each refusal a 400 of the table.
type Request interface{ Check() error }

// DecodeRequest decodes body strictly (Decode) into req and checks it.
func DecodeRequest(body []byte, req Request) error {
	if err := Decode(body, req); err != nil {
		return err
	}
	return req.Check()
}

// The checks of the fields several endpoints take, each written once.

// ParseMobile checks an Indian mobile number and returns its 10 digits.
func ParseMobile(s string) (string, error) {
	digits, err := mobile.Parse(s)
	if err != nil {
		return "", Ef("invalid_mobile", "mobile must be an Indian 10-digit mobile number")
	}
	return digits, nil
}

// CheckPerson checks the mobile, name and optional SMS language a person
// gives (a booking, a walk-in) and returns the mobile's 10 digits.
func CheckPerson(mobile, name, lang string) (string, error) {
	digits, err := ParseMobile(mobile)
	if err != nil {
		return "", err
	}
	if err := CheckName(name); err != nil {
		return "", err
	}
	return digits, CheckLang(lang)
}

// CheckName checks a person's name as typed.
func CheckName(s string) error {
	if !names.Valid(s) {
		return Ef("invalid_name", "name must be 1 to %d letters", names.MaxLen)
	}
	return nil
}

// CheckLang checks an optional SMS language.
func CheckLang(lang string) error {
	if lang != "" && sms.Lang(lang) != lang {
		return Ef("invalid_lang", "lang must be one of %s", strings.Join(sms.Languages, ", "))
	}
	return nil
}

// CheckNonce checks an entity's nonce.
func CheckNonce(s string) error {
	if !store.IsNonce(s) {
		return Ef("invalid_nonce", "nonce must be 8 to 128 characters of A-Z a-z 0-9 . _ ~ -")
	}
	return nil
}

// Traveller is one person of a family check as a request names them: the
// name as typed and the entity's nonce for their token.
type Traveller struct {
	Name  string `json:"name"`
	Nonce string `json:"nonce"`
}

// CheckTravellers checks a family check's list: each name and nonce in its
// format, then the rule of the list (domain.CheckTravellers: at most six,
// no name or nonce twice). It returns the travellers with their names
// normalised and hashed by nameHash (secret.Keys.NameHash).
func CheckTravellers(ts []Traveller, nameHash func(norm string) string) ([]domain.Traveller, error) {
	if len(ts) == 0 {
		return nil, Ef("invalid_travellers", "travellers must list 1 to %d people", domain.MaxTravellers)
	}
	out := make([]domain.Traveller, len(ts))
	for i, t := range ts {
		field := "travellers[" + strconv.Itoa(i) + "]"
		if err := Required([2]string{field + ".name", t.Name}, [2]string{field + ".nonce", t.Nonce}); err != nil {
			return nil, err
		}
		if !names.Valid(t.Name) {
			return nil, Ef("invalid_name", "%s.name must be 1 to %d letters", field, names.MaxLen)
		}
		if !store.IsNonce(t.Nonce) {
			return nil, Ef("invalid_nonce", "%s.nonce must be 8 to 128 characters of A-Z a-z 0-9 . _ ~ -", field)
		}
		out[i] = domain.Traveller{NameHash: nameHash(names.Normalize(t.Name)), Nonce: t.Nonce}
	}
	return out, domain.CheckTravellers(out)
}

// WithOTP runs the OTP step of an endpoint and then its work: body {txn,
// otp} is checked for purpose (one attempt spent), then work runs with the
// transaction, then the transaction is completed — so a failure of ours in
// work (the database, the signer) gives the attempt back and leaves the
// code usable, and only one request ever completes a transaction. A refusal
// from work (a domain error: the name matches nobody) still completes it:
// the person proved the number, the code is spent.
func WithOTP[T any](ctx context.Context, e *otp.Engine, purpose string, body []byte, work func(*store.OTPTransaction) (T, error)) (T, error) {
	var req OTPRequest
	if err := DecodeRequest(body, &req); err != nil {
		var zero T
		return zero, err
	}
	return WithCode(ctx, e, purpose, req.Txn, req.OTP, work)
}

// WithCode is WithOTP for an endpoint whose body says more than {txn,
// otp} and that decoded and checked it itself: the code of transaction txn
// is checked for purpose, then work runs, then the transaction is
// completed (or the attempt given back after a failure of ours).
func WithCode[T any](ctx context.Context, e *otp.Engine, purpose, txn, code string, work func(*store.OTPTransaction) (T, error)) (T, error) {
	var zero T
	t, err := ClaimCode(ctx, e, purpose, txn, code)
	if err != nil {
		return zero, err
	}
	res, err := work(t)
	if Ours(err) {
		e.Refund(ctx, t)
		return zero, err
	}
	if ferr := FinishOTP(ctx, e, t); ferr != nil {
		return zero, ferr
	}
	if err != nil {
		return zero, err
	}
	return res, nil
}
