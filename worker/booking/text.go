package booking

import "strings"

// slipTexts are the appointment slip SMS: the only place the security code is
// ever shown.
var slipTexts = map[string]string{
	"en": "KYC-VS appointment {id} for {name}: {centre}, {date} at {time}. Security code {code}. Tell it only to the vaccinator at the centre when you receive your dose.",
	"hi": "KYC-VS अपॉइंटमेंट {id}, {name}: {centre}, {date} को {time} बजे। सुरक्षा कोड {code}। यह कोड केवल टीका लगवाते समय केंद्र पर टीकाकर्मी को बताएं।",
	"ur": "KYC-VS اپوائنٹمنٹ {id}، {name}: {centre}، {date} کو {time} بجے۔ سیکیورٹی کوڈ {code}۔ یہ کوڈ صرف ٹیکہ لگواتے وقت مرکز پر ویکسینیٹر کو بتائیں۔",
	"bn": "KYC-VS অ্যাপয়েন্টমেন্ট {id}, {name}: {centre}, {date} তারিখে {time}-এ। নিরাপত্তা কোড {code}। টিকা নেওয়ার সময় শুধু কেন্দ্রের টিকাদানকর্মীকে এই কোড বলবেন।",
}

// doseTexts confirm a recorded dose. They are sent only after the dose row
// exists, never for a refused recording.
var doseTexts = map[string]string{
	"en": "KYC-VS: dose {n} of {vaccine} recorded for {name} at {centre} on {date}; certificate generated.",
	"hi": "KYC-VS: {name} की {vaccine} की खुराक {n} {centre} में {date} को दर्ज की गई; प्रमाणपत्र जारी किया गया।",
	"ur": "KYC-VS: {name} کی {vaccine} کی خوراک {n} {centre} میں {date} کو درج کی گئی؛ سرٹیفکیٹ جاری کر دیا گیا۔",
	"bn": "KYC-VS: {name}-এর {vaccine} টিকার ডোজ {n} {centre}-এ {date} তারিখে নথিভুক্ত হয়েছে; সার্টিফিকেট তৈরি হয়েছে।",
}

func text(texts map[string]string, lang string, kv ...string) string {
	t, ok := texts[lang]
	if !ok {
		t = texts["en"]
	}
	return strings.NewReplacer(kv...).Replace(t)
}
