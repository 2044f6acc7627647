package booking

import (
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/store"
)

// The endpoints' answers. Fields are declared in the order of their JSON
// names, which is the order the API has always sent them in.

type sessionResponse struct {
	Beneficiaries []beneficiaryJSON `json:"beneficiaries"`
	ExpiresIn     int               `json:"expires_in"`
	Session       string            `json:"session"`
}

type beneficiaryJSON struct {
	DoseHistory  []doseHistoryJSON `json:"dose_history"`
	Doses        int               `json:"doses"`
	Name         string            `json:"name"`
	NextDoseFrom string            `json:"next_dose_from,omitempty"`
	Status       int               `json:"status"`
	Vaccine      string            `json:"vaccine,omitempty"`
}

type doseHistoryJSON struct {
	Centre     string `json:"centre"`
	Date       string `json:"date"`
	DoseNumber int    `json:"dose_number"`
	Vaccine    string `json:"vaccine"`
	WalkIn     bool   `json:"walk_in"`
}

type centresResponse struct {
	Centres   []centreListJSON `json:"centres"`
	FirstDate string           `json:"first_date"`
	LastDate  string           `json:"last_date"`
	Slots     []string         `json:"slots"`
}

type centreListJSON struct {
	Address  string `json:"address"`
	District string `json:"district"`
	ID       string `json:"id"`
	Name     string `json:"name"`
	PIN      string `json:"pin"`
}

type booked struct {
	AccessToken string   `json:"access_token"`
	Appointment slipJSON `json:"appointment"`
}

type centreRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// slipJSON is what the booked person sees: never the code, never the
// mobile.
type slipJSON struct {
	Centre     centreRef `json:"centre"`
	Date       string    `json:"date"`
	DoseNumber int       `json:"dose_number,omitempty"`
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	Time       string    `json:"time"`
}

func slip(a *store.Appointment) slipJSON {
	return slipJSON{Centre: centreRef{ID: a.CentreID, Name: a.CentreName}, Date: a.Date, DoseNumber: a.DoseNumber,
		ID: a.ID, Name: a.BeneficiaryName, Status: a.Status, Time: a.Time}
}

type appointmentsResponse struct {
	Appointments []slipJSON `json:"appointments"`
}

// centreDayResponse is the vaccinator's day: names and slots, never mobiles
// or codes.
type centreDayResponse struct {
	Appointments []dayAppointmentJSON `json:"appointments"`
	Centre       centreRef            `json:"centre"`
	Date         string               `json:"date"`
	Doses        []doseJSON           `json:"doses"`
}

// dayAppointmentJSON is one appointment of the vaccinator's day: the
// slot, the reference, the name as registered and the dose due (with the
// vaccine the schedule continues with, to pre-fill the form), never a
// mobile or a code.
type dayAppointmentJSON struct {
	Date          string `json:"date,omitempty"`
	DoseDue       int    `json:"dose_due"`
	DoseNumber    int    `json:"dose_number,omitempty"`
	ID            string `json:"id"`
	Name          string `json:"name"`
	Status        string `json:"status"`
	Time          string `json:"time"`
	VaccineDue    string `json:"vaccine_due,omitempty"`
	WrongAttempts int    `json:"wrong_attempts"`
}

type doseJSON struct {
	AdministeredAt int64  `json:"administered_at"`
	Appointment    string `json:"appointment,omitempty"`
	Batch          string `json:"batch"`
	DoseNumber     int    `json:"dose_number"`
	ID             string `json:"id"`
	Name           string `json:"name"`
	Vaccine        string `json:"vaccine"`
	WalkIn         bool   `json:"walk_in"`
}

func doseOf(d *store.Dose, name string) doseJSON {
	return doseJSON{AdministeredAt: d.AdministeredAt.Unix(), Appointment: d.AppointmentID, Batch: d.Batch,
		DoseNumber: d.DoseNumber, ID: d.ID, Name: name, Vaccine: d.VaccineID, WalkIn: d.WalkIn}
}

// recordedResponse is a recorded dose, with the status the service will now
// sign (domain.Status: the registry's rule).
type recordedResponse struct {
	ConfirmationSent bool     `json:"confirmation_sent"`
	Dose             doseJSON `json:"dose"`
	Status           int      `json:"status"`
}

func recorded(d *store.Dose, v *store.Vaccine, name string, sent bool) recordedResponse {
	return recordedResponse{ConfirmationSent: sent, Dose: doseOf(d, name), Status: int(domain.Status(d.DoseNumber, v.DosesRequired))}
}
