// Package seed is the demo and test data: the demo entities, a fixed list of
// demo people other tests rely on (DemoPeople), and a deterministic synthetic
// registry of any size. It emits idempotent SQL (deterministic ids, INSERT OR
// IGNORE or ON CONFLICT DO UPDATE), so loading it twice changes nothing.
//
// Mobile numbers are stored as keyed hashes, so the SQL depends on HASH_KEY:
// generate it with the same key the worker runs with.
package seed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/names"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// DemoHostOrigin is where the embed demo pages are served from locally.
const DemoHostOrigin = "http://localhost:8788"

// Entity is a verifying entity to register (SecretHash is set when it is
// written).
type Entity = store.Entity

// DemoEntities are the demo verifying entities.
var DemoEntities = []Entity{
	{ID: "ent_railways", DisplayName: "Indian Railways", Purpose: "Boarding a long-distance train",
		Origins: []string{DemoHostOrigin, "http://127.0.0.1:8788"}, Lang: "hi"},
	{ID: "ent_airline", DisplayName: "IndiSky Airlines", Purpose: "Check-in for a domestic flight",
		Origins: []string{DemoHostOrigin, "http://127.0.0.1:8788"}, Lang: "en"},
	{ID: "ent_hotel", DisplayName: "Hotel Taj Residency", Purpose: "Hotel check-in",
		Origins: []string{DemoHostOrigin, "http://127.0.0.1:8788"}, Lang: "en"},
	{ID: "ent_employer", DisplayName: "Bengal Textiles Ltd.", Purpose: "Return to the office",
		Origins: []string{DemoHostOrigin, "http://127.0.0.1:8788"}, Lang: "bn"},
}

// Person is a demo beneficiary with a known mobile and status.
type Person struct {
	ID      string
	Mobile  string // 10 digits
	Name    string // as registered
	Vaccine string // vaccine id; "" when Doses is 0
	Doses   int
	Status  kycvs.Status // what a token for this person must say
}

// SharedMobile holds several DemoPeople, told apart by name.
const SharedMobile = "9876500004"

// DemoPeople are fixed demo beneficiaries: every status, one mobile shared by
// four people in four scripts, names in Latin, Devanagari, Urdu and Bengali.
var DemoPeople = []Person{
	{ID: "ben_demo_01", Mobile: "9876500001", Name: "Ramesh Kumar", Vaccine: "covishield", Doses: 2, Status: kycvs.FullyVaccinated},
	{ID: "ben_demo_02", Mobile: "9876500002", Name: "Priya Sharma", Vaccine: "covaxin", Doses: 1, Status: kycvs.PartiallyVaccinated},
	{ID: "ben_demo_03", Mobile: "9876500003", Name: "Arjun Singh", Status: kycvs.NotVaccinated},
	{ID: "ben_demo_04", Mobile: SharedMobile, Name: "Sunita Devi", Vaccine: "covishield", Doses: 2, Status: kycvs.FullyVaccinated},
	{ID: "ben_demo_05", Mobile: SharedMobile, Name: "मोहन लाल", Vaccine: "covaxin", Doses: 1, Status: kycvs.PartiallyVaccinated},
	{ID: "ben_demo_06", Mobile: SharedMobile, Name: "محمد عارف", Status: kycvs.NotVaccinated},
	{ID: "ben_demo_07", Mobile: SharedMobile, Name: "সুমন দাস", Vaccine: "sputnik_light", Doses: 1, Status: kycvs.FullyVaccinated},
	{ID: "ben_demo_08", Mobile: "9876500005", Name: "Imran Khan", Vaccine: "zycov_d", Doses: 2, Status: kycvs.PartiallyVaccinated},
	{ID: "ben_demo_09", Mobile: "9876500006", Name: "अनीता गुप्ता", Vaccine: "corbevax", Doses: 2, Status: kycvs.FullyVaccinated},
	{ID: "ben_demo_10", Mobile: "9876500007", Name: "ফাতেমা বেগম", Status: kycvs.NotVaccinated},
	{ID: "ben_demo_11", Mobile: "9876500008", Name: "زینب فاطمہ", Vaccine: "sputnik_v", Doses: 2, Status: kycvs.FullyVaccinated},
}

// UnregisteredMobile is a valid mobile with no beneficiary.
const UnregisteredMobile = "9876500099"

// Centres are demo vaccination centres (vaccinator tokens are issued by the
// admin command), with the PIN code /book finds them by, the address the
// slip shows, and the capacity each of their slots has until a supervisor
// sets one (POST /v1/centre/capacity): small enough that the demo can fill
// a slot, large enough for the tests that book many people at one time.
var Centres = []struct {
	ID, Name, District, PIN, Address string
	SlotCapacity                     int
}{
	{"ctr_delhi_aiims", "AIIMS Vaccination Centre", "New Delhi", "110029", "Ansari Nagar East, New Delhi 110029", 30},
	{"ctr_kolkata_sskm", "SSKM Hospital", "Kolkata", "700020", "244 AJC Bose Road, Kolkata 700020", 20},
	{"ctr_lucknow_kgmu", "KGMU Centre", "Lucknow", "226003", "Shah Mina Road, Chowk, Lucknow 226003", 10},
}

// DemoSecret is the server secret of a demo entity, derived from HASH_KEY so
// the demo host server and tests can compute it and it never needs to be
// printed or stored. Real entities get a random secret (NewSecret).
func DemoSecret(hashKey []byte, entityID string) string {
	m := hmac.New(sha256.New, hashKey)
	m.Write([]byte("kycvs/v1/demo-entity-secret\x00" + entityID))
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SecretPrefix starts every entity secret, so leaked ones are easy to find
// with secret scanners.
const SecretPrefix = "kycvs_sk_"

// EntitySQL returns the statement that registers e with the given secret
// hash (store.EntitySQL): for tests and the dev harness, which add entities
// besides the demo ones.
func EntitySQL(e Entity, secretHash string) string {
	e.SecretHash = secretHash
	return store.EntitySQL(e, createdAt)
}

// createdAt is a fixed timestamp so generated SQL is deterministic.
var createdAt = time.Unix(1735689600, 0) // 2025-01-01

var vaccineIDs = []string{"covishield", "covaxin", "sputnik_v", "sputnik_light", "zycov_d", "corbevax"}

var dosesRequired = map[string]int{"covishield": 2, "covaxin": 2, "sputnik_v": 2, "sputnik_light": 1, "zycov_d": 3, "corbevax": 2}

// StatusOf is the status of a person with doses of vaccine, by the
// registry's one rule (domain.Status).
func StatusOf(vaccine string, doses int) kycvs.Status {
	return domain.Status(doses, dosesRequired[vaccine])
}

var firstNames = [][]string{
	{"Aarav", "Vivaan", "Aditya", "Priya", "Ananya", "Diya", "Rohan", "Kavya", "Arjun", "Meera", "Ishaan", "Sneha", "Rahul", "Pooja", "Vikram", "Neha", "Suresh", "Lakshmi", "Karthik", "Divya"},
	{"आरव", "प्रिया", "राहुल", "सुनीता", "मोहन", "अनीता", "विकास", "पूजा", "रमेश", "गीता", "अमित", "कविता"},
	{"محمد", "عائشہ", "فاطمہ", "علی", "حسن", "زینب", "عمران", "سلمان", "نازیہ", "یوسف"},
	{"সুমন", "অনিতা", "রাহুল", "প্রিয়া", "অমিত", "দীপা", "সৌরভ", "মৌমিতা", "অর্জুন", "তানিয়া"},
}

var lastNames = [][]string{
	{"Sharma", "Verma", "Patel", "Reddy", "Iyer", "Nair", "Singh", "Gupta", "Das", "Khan", "Joshi", "Mehta", "Rao", "Pillai", "Banerjee"},
	{"शर्मा", "वर्मा", "सिंह", "गुप्ता", "यादव", "मिश्रा", "तिवारी", "पटेल"},
	{"خان", "قریشی", "صدیقی", "انصاری", "شیخ", "ملک", "حسین"},
	{"দাস", "বসু", "ঘোষ", "সেন", "চ্যাটার্জি", "মুখার্জি", "রায়", "দত্ত"},
}

// Synthetic returns n synthetic people, the same for the same n: mobiles from
// 7000000000 up, about one mobile in six shared by 2–6 people, every script,
// every status.
func Synthetic(n int) []Person {
	r := rand.New(rand.NewPCG(2021, 1))
	out := make([]Person, 0, n)
	m := int64(7000000000)
	for len(out) < n {
		m++
		k := 1
		if r.IntN(6) == 0 {
			k = 2 + r.IntN(5)
		}
		seen := map[string]bool{}
		for j := 0; j < k && len(out) < n; j++ {
			script := r.IntN(4)
			name := firstNames[script][r.IntN(len(firstNames[script]))] + " " + lastNames[script][r.IntN(len(lastNames[script]))]
			if seen[names.Normalize(name)] {
				continue
			}
			seen[names.Normalize(name)] = true
			p := Person{ID: fmt.Sprintf("ben_syn_%06d", len(out)), Mobile: fmt.Sprint(m), Name: name}
			if r.IntN(4) != 0 {
				p.Vaccine = vaccineIDs[r.IntN(len(vaccineIDs))]
				p.Doses = 1 + r.IntN(dosesRequired[p.Vaccine])
			}
			p.Status = StatusOf(p.Vaccine, p.Doses)
			out = append(out, p)
		}
	}
	return out
}

// WriteSQL writes the idempotent seed: demo entities (secrets from
// DemoSecret), centres, DemoPeople and n synthetic people.
func WriteSQL(w io.Writer, hashKey []byte, n int) error {
	var b strings.Builder
	for _, e := range DemoEntities {
		e.SecretHash = secret.TokenHash(DemoSecret(hashKey, e.ID))
		b.WriteString(store.SeedEntitySQL(e, createdAt))
	}
	for _, c := range Centres {
		b.WriteString(store.SeedCentreSQL(c.ID, c.Name, c.District, createdAt))
		b.WriteString(store.CentrePlaceSQL(c.ID, c.PIN, c.Address, c.SlotCapacity))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	people := append(append([]Person{}, DemoPeople...), Synthetic(n)...)
	const batch = 200
	for i := 0; i < len(people); i += batch {
		if _, err := io.WriteString(w, PeopleSQL(hashKey, people[i:min(i+batch, len(people))])); err != nil {
			return err
		}
	}
	return nil
}

// PeopleSQL returns the idempotent statements that register people and
// their doses (given 90 days apart at the first demo centre): for WriteSQL,
// and for tests that need people of their own (harness.Options.People).
// The centres must exist.
func PeopleSQL(hashKey []byte, people []Person) string {
	if len(people) == 0 {
		return ""
	}
	bens := make([]store.SeedBeneficiary, 0, len(people))
	var doses []store.SeedDose
	for _, p := range people {
		bens = append(bens, store.SeedBeneficiary{ID: p.ID, MobileHash: mobile.Hash(hashKey, p.Mobile), Name: p.Name,
			NameNorm: names.Normalize(p.Name)})
		for d := 1; d <= p.Doses; d++ {
			doses = append(doses, store.SeedDose{ID: fmt.Sprintf("dose_%s_%d", p.ID, d), BeneficiaryID: p.ID,
				VaccineID: p.Vaccine, DoseNumber: d, CentreID: "ctr_delhi_aiims", Batch: fmt.Sprintf("DEMO%04d", d),
				AdministeredAt: createdAt.Add(-time.Duration(p.Doses-d+1) * 90 * 24 * time.Hour)})
		}
	}
	return store.SeedBeneficiariesSQL(bens, createdAt) + store.SeedDosesSQL(doses)
}
