package widget

import (
	"net/http"
	"strings"

	"github.com/kycvs/kycvs/worker/page"
)

// lang is one language the widget speaks. Every string the widget shows,
// server-rendered or set by widget.js, comes from here: nothing is
// hard-coded in the HTML template or the page script. Tag, direction and
// own name are worker/page's (page.Languages), shared with every other
// page; the strings are the widget's own.
type lang struct {
	page.Lang
	Strings map[string]string
}

// table is langs as a page.Table, for page's negotiation (Pick) and its
// completeness check (Missing).
var table page.Table

// langOrder is the order of the language switcher: page.Languages' order,
// restricted to the languages the widget has strings for.
var langOrder []string

// init gives each language its tag, direction and name from
// page.Languages. The strings of en, hi, ur and bn are in this file, every
// other language's in i18n_<tag>.go.
func init() {
	for tag, s := range moreLangs {
		langs[tag] = &lang{Strings: s}
	}
	table = make(page.Table, len(langs))
	for tag, l := range langs {
		pl, ok := page.LangOf(tag)
		if !ok {
			panic("widget: strings for " + tag + ", which is not in page.Languages")
		}
		l.Lang = pl
		table[tag] = l.Strings
	}
	for _, pl := range table.Langs() {
		langOrder = append(langOrder, pl.Tag)
	}
}

// moreLangs are the languages beyond the first four, each defined in its
// own file (i18n_<tag>.go).
var moreLangs = map[string]map[string]string{
	"mr": mrStrings, "gu": guStrings, "pa": paStrings, "ta": taStrings, "te": teStrings,
	"kn": knStrings, "ml": mlStrings, "or": orStrings, "as": asStrings,
}

// pickLang returns the language the host asked for (?lang=, from embed.js's
// lang option or data-kycvs-lang) if the widget speaks it, else the best
// match for the browser's Accept-Language, else English.
func pickLang(r *http.Request) *lang {
	return langs[table.Pick(r).Tag]
}

// Keys used by widget.js at run time (the page embeds them as JSON); the
// others are rendered by the template.
var scriptKeys = []string{
	"status_0", "status_1", "status_2",
	"sending", "sent", "checking", "loading", "ready",
	"resend", "resend_in", "resend_in_min", "expires_in",
	"done_text",
	"err_otp_incorrect", "err_otp_locked", "err_otp_expired", "err_otp_superseded", "err_name_mismatch",
	"err_rate", "err_rate_min", "err_input", "err_forbidden", "err_network", "err_token", "err_generic",
	"err_consent", "err_mobile", "err_name", "err_otp_format", "err_module",
	// A family check.
	"code_for", "code_checked", "list_sep", "shared_item", "sent_many", "done_family", "result_item", "result_mismatch",
	"err_tname", "err_tmobile", "err_same_name",
}

var langs = map[string]*lang{
	"en": {Strings: map[string]string{
		"title":              "Vaccination status check",
		"asks":               "{entity} asks whether you are vaccinated.",
		"purpose":            "Purpose: {purpose}",
		"shared_only":        "Only one answer is shared: not, partially or fully vaccinated. Your mobile number and name are not shared.",
		"language":           "Language",
		"mobile_label":       "Mobile number",
		"mobile_hint":        "10 digits, registered with the vaccination registry",
		"name_label":         "Name as registered",
		"send":               "Send code",
		"otp_sent":           "We sent a 6-digit code by SMS to the mobile number ending in {last}.",
		"otp_label":          "6-digit code",
		"consent":            "I agree to share only whether I am not, partially or fully vaccinated with {entity}.",
		"verify":             "Verify and share",
		"resend":             "Send a new code",
		"resend_in":          "You can ask for a new code in {s} s.",
		"resend_in_min":      "You can ask for a new code in {m} min.",
		"expires_in":         "The code is valid for {s} s.",
		"change":             "Change number or name",
		"loading":            "Loading…",
		"ready":              "Ready.",
		"sending":            "Sending the code…",
		"sent":               "Code sent.",
		"checking":           "Checking…",
		"done_heading":       "Done",
		"done_text":          "{entity} was told: {status}.",
		"done_note":          "Nothing else about you was shared. You can close this page.",
		"status_0":           "not vaccinated",
		"status_1":           "partially vaccinated",
		"status_2":           "fully vaccinated",
		"err_otp_incorrect":  "Wrong code. {n} attempts left.",
		"err_otp_locked":     "Too many wrong codes. Please start again.",
		"err_otp_expired":    "The code has expired. Please ask for a new code.",
		"err_otp_superseded": "A newer code was sent to this number. Please enter the code from the latest SMS.",
		"err_name_mismatch":  "The name does not match the registration for this mobile number.",
		"err_rate":           "Too many requests. Please try again in {s} s.",
		"err_rate_min":       "Too many requests. Please try again in {m} min.",
		"err_input":          "Please check the mobile number and the name.",
		"err_forbidden":      "This check is not available on this site.",
		"err_network":        "Network problem. Please check your connection and try again.",
		"err_token":          "The answer could not be verified, so nothing was shared.",
		"err_generic":        "Something went wrong. Please try again.",
		"err_consent":        "Please tick the box to agree first.",
		"err_mobile":         "Enter a 10-digit mobile number that starts with 6, 7, 8 or 9.",
		"err_name":           "Enter your name as registered.",
		"err_otp_format":     "Enter the 6 digits of the code.",
		"err_module":         "This browser could not load the check. Please try another browser.",
		"asks_family":        "{entity} asks whether {n} travellers are vaccinated.",
		"shared_only_family": "Only one answer is shared for each traveller: not, partially or fully vaccinated. Mobile numbers and names are not shared.",
		"family_mobile_hint": "10 digits. Up to six people can be registered on one number.",
		"traveller_n":        "Traveller {n}",
		"other_mobile":       "Registered on another mobile number",
		"other_mobile_label": "Mobile number of traveller {n}",
		"codes_intro":        "Enter the code from each SMS.",
		"code_for":           "Code sent to the number ending in {last}, for {names}",
		"code_checked":       "Verified.",
		"list_sep":           ", ",
		"continue":           "Continue",
		"consent_heading":    "Share with {entity}?",
		"consent_list_intro": "{entity} will receive one answer for each traveller below: not, partially or fully vaccinated. Nothing else is shared.",
		"shared_item":        "vaccination status only",
		"consent_family":     "I agree, for myself and on behalf of the travellers listed, to share with {entity} only whether each is not, partially or fully vaccinated.",
		"back":               "Back",
		"sent_many":          "A code was sent to each number.",
		"done_family":        "{entity} was told:",
		"result_item":        "{name}: {status}",
		"result_mismatch":    "not shared, the name does not match the registration on this number",
		"err_tname":          "Enter the name of traveller {n} as registered.",
		"err_tmobile":        "Enter a 10-digit mobile number for traveller {n} that starts with 6, 7, 8 or 9.",
		"err_same_name":      "Two travellers on one mobile number cannot have the same name.",
		"done_note_family":   "Nothing else about the travellers was shared. You can close this page.",
		"page_unknown":       "This vaccination check is not set up for this site.",
		"page_bad_request":   "This vaccination check link is incomplete or invalid.",
	}},
	"hi": {Strings: map[string]string{
		"title":              "टीकाकरण स्थिति की जाँच",
		"asks":               "{entity} जानना चाहता है कि आपको टीका लगा है या नहीं।",
		"purpose":            "उद्देश्य: {purpose}",
		"shared_only":        "केवल एक उत्तर साझा किया जाता है: टीका नहीं लगा, आंशिक या पूर्ण टीकाकरण। आपका मोबाइल नंबर और नाम साझा नहीं किए जाते।",
		"language":           "भाषा",
		"mobile_label":       "मोबाइल नंबर",
		"mobile_hint":        "10 अंक, टीकाकरण रजिस्ट्री में पंजीकृत",
		"name_label":         "पंजीकृत नाम",
		"send":               "कोड भेजें",
		"otp_sent":           "हमने {last} पर समाप्त होने वाले मोबाइल नंबर पर SMS से 6 अंकों का कोड भेजा है।",
		"otp_label":          "6 अंकों का कोड",
		"consent":            "मैं {entity} के साथ केवल यह साझा करने के लिए सहमत हूँ कि मुझे टीका नहीं लगा, आंशिक या पूर्ण टीका लगा है।",
		"verify":             "जाँचें और साझा करें",
		"resend":             "नया कोड भेजें",
		"resend_in":          "आप {s} सेकंड में नया कोड माँग सकते हैं।",
		"resend_in_min":      "आप {m} मिनट में नया कोड माँग सकते हैं।",
		"expires_in":         "कोड {s} सेकंड तक मान्य है।",
		"change":             "नंबर या नाम बदलें",
		"loading":            "लोड हो रहा है…",
		"ready":              "तैयार।",
		"sending":            "कोड भेजा जा रहा है…",
		"sent":               "कोड भेज दिया गया।",
		"checking":           "जाँच हो रही है…",
		"done_heading":       "हो गया",
		"done_text":          "{entity} को बताया गया: {status}।",
		"done_note":          "आपके बारे में और कुछ साझा नहीं किया गया। आप यह पेज बंद कर सकते हैं।",
		"status_0":           "टीका नहीं लगा",
		"status_1":           "आंशिक टीकाकरण",
		"status_2":           "पूर्ण टीकाकरण",
		"err_otp_incorrect":  "गलत कोड। {n} प्रयास बाकी हैं।",
		"err_otp_locked":     "बहुत अधिक गलत कोड। कृपया फिर से शुरू करें।",
		"err_otp_expired":    "कोड की समय-सीमा समाप्त हो गई है। कृपया नया कोड माँगें।",
		"err_otp_superseded": "इस नंबर पर एक नया कोड भेजा गया है। कृपया सबसे नए SMS का कोड डालें।",
		"err_name_mismatch":  "नाम इस मोबाइल नंबर के पंजीकरण से मेल नहीं खाता।",
		"err_rate":           "बहुत अधिक अनुरोध। कृपया {s} सेकंड बाद फिर प्रयास करें।",
		"err_rate_min":       "बहुत अधिक अनुरोध। कृपया {m} मिनट बाद फिर प्रयास करें।",
		"err_input":          "कृपया मोबाइल नंबर और नाम जाँचें।",
		"err_forbidden":      "यह जाँच इस साइट पर उपलब्ध नहीं है।",
		"err_network":        "नेटवर्क समस्या। कृपया अपना कनेक्शन जाँचें और फिर प्रयास करें।",
		"err_token":          "उत्तर की पुष्टि नहीं हो सकी, इसलिए कुछ भी साझा नहीं किया गया।",
		"err_generic":        "कुछ गलत हो गया। कृपया फिर प्रयास करें।",
		"err_consent":        "कृपया पहले सहमति के बॉक्स पर निशान लगाएँ।",
		"err_mobile":         "6, 7, 8 या 9 से शुरू होने वाला 10 अंकों का मोबाइल नंबर लिखें।",
		"err_name":           "अपना पंजीकृत नाम लिखें।",
		"err_otp_format":     "कोड के 6 अंक लिखें।",
		"err_module":         "यह ब्राउज़र जाँच लोड नहीं कर सका। कृपया दूसरा ब्राउज़र आज़माएँ।",
		"asks_family":        "{entity} जानना चाहता है कि {n} यात्रियों को टीका लगा है या नहीं।",
		"shared_only_family": "हर यात्री के लिए केवल एक उत्तर साझा किया जाता है: टीका नहीं लगा, आंशिक या पूर्ण टीकाकरण। मोबाइल नंबर और नाम साझा नहीं किए जाते।",
		"family_mobile_hint": "10 अंक। एक नंबर पर छह लोग तक पंजीकृत हो सकते हैं।",
		"traveller_n":        "यात्री {n}",
		"other_mobile":       "किसी दूसरे मोबाइल नंबर पर पंजीकृत",
		"other_mobile_label": "यात्री {n} का मोबाइल नंबर",
		"codes_intro":        "हर SMS में आया कोड डालें।",
		"code_for":           "{last} पर समाप्त होने वाले नंबर पर भेजा गया कोड, {names} के लिए",
		"code_checked":       "पुष्टि हो गई।",
		"list_sep":           ", ",
		"continue":           "आगे बढ़ें",
		"consent_heading":    "{entity} के साथ साझा करें?",
		"consent_list_intro": "{entity} को नीचे दिए हर यात्री के लिए केवल एक उत्तर मिलेगा: टीका नहीं लगा, आंशिक या पूर्ण टीकाकरण। और कुछ साझा नहीं किया जाता।",
		"shared_item":        "केवल टीकाकरण स्थिति",
		"consent_family":     "मैं अपनी ओर से और ऊपर दिए यात्रियों की ओर से सहमत हूँ कि {entity} के साथ केवल यह साझा किया जाए कि हर यात्री को टीका नहीं लगा, आंशिक या पूर्ण टीका लगा है।",
		"back":               "वापस",
		"sent_many":          "हर नंबर पर एक कोड भेजा गया।",
		"done_family":        "{entity} को बताया गया:",
		"result_item":        "{name}: {status}",
		"result_mismatch":    "साझा नहीं किया गया, नाम इस नंबर के पंजीकरण से मेल नहीं खाता",
		"err_tname":          "यात्री {n} का पंजीकृत नाम लिखें।",
		"err_tmobile":        "यात्री {n} के लिए 6, 7, 8 या 9 से शुरू होने वाला 10 अंकों का मोबाइल नंबर लिखें।",
		"err_same_name":      "एक मोबाइल नंबर पर दो यात्रियों का नाम एक जैसा नहीं हो सकता।",
		"done_note_family":   "यात्रियों के बारे में और कुछ साझा नहीं किया गया। आप यह पेज बंद कर सकते हैं।",
		"page_unknown":       "यह टीकाकरण जाँच इस साइट के लिए सेट नहीं है।",
		"page_bad_request":   "यह टीकाकरण जाँच लिंक अधूरा या अमान्य है।",
	}},
	"ur": {Strings: map[string]string{
		"title":              "ویکسینیشن کی حالت کی جانچ",
		"asks":               "{entity} جاننا چاہتا ہے کہ آپ کو ویکسین لگی ہے یا نہیں۔",
		"purpose":            "مقصد: {purpose}",
		"shared_only":        "صرف ایک جواب شیئر کیا جاتا ہے: ویکسین نہیں لگی، جزوی یا مکمل ویکسینیشن۔ آپ کا موبائل نمبر اور نام شیئر نہیں کیے جاتے۔",
		"language":           "زبان",
		"mobile_label":       "موبائل نمبر",
		"mobile_hint":        "10 ہندسے، ویکسینیشن رجسٹری میں درج",
		"name_label":         "رجسٹرڈ نام",
		"send":               "کوڈ بھیجیں",
		"otp_sent":           "ہم نے {last} پر ختم ہونے والے موبائل نمبر پر SMS سے 6 ہندسوں کا کوڈ بھیجا ہے۔",
		"otp_label":          "6 ہندسوں کا کوڈ",
		"consent":            "میں {entity} کے ساتھ صرف یہ شیئر کرنے پر راضی ہوں کہ مجھے ویکسین نہیں لگی، جزوی یا مکمل ویکسین لگی ہے۔",
		"verify":             "جانچیں اور شیئر کریں",
		"resend":             "نیا کوڈ بھیجیں",
		"resend_in":          "آپ {s} سیکنڈ میں نیا کوڈ مانگ سکتے ہیں۔",
		"resend_in_min":      "آپ {m} منٹ میں نیا کوڈ مانگ سکتے ہیں۔",
		"expires_in":         "کوڈ {s} سیکنڈ تک درست ہے۔",
		"change":             "نمبر یا نام تبدیل کریں",
		"loading":            "لوڈ ہو رہا ہے…",
		"ready":              "تیار۔",
		"sending":            "کوڈ بھیجا جا رہا ہے…",
		"sent":               "کوڈ بھیج دیا گیا۔",
		"checking":           "جانچ ہو رہی ہے…",
		"done_heading":       "مکمل",
		"done_text":          "{entity} کو بتایا گیا: {status}۔",
		"done_note":          "آپ کے بارے میں اور کچھ شیئر نہیں کیا گیا۔ آپ یہ صفحہ بند کر سکتے ہیں۔",
		"status_0":           "ویکسین نہیں لگی",
		"status_1":           "جزوی ویکسینیشن",
		"status_2":           "مکمل ویکسینیشن",
		"err_otp_incorrect":  "غلط کوڈ۔ {n} کوششیں باقی ہیں۔",
		"err_otp_locked":     "بہت زیادہ غلط کوڈ۔ براہ کرم دوبارہ شروع کریں۔",
		"err_otp_expired":    "کوڈ کی مدت ختم ہو گئی ہے۔ براہ کرم نیا کوڈ مانگیں۔",
		"err_otp_superseded": "اس نمبر پر ایک نیا کوڈ بھیجا گیا ہے۔ براہ کرم تازہ ترین SMS کا کوڈ درج کریں۔",
		"err_name_mismatch":  "نام اس موبائل نمبر کی رجسٹریشن سے نہیں ملتا۔",
		"err_rate":           "بہت زیادہ درخواستیں۔ براہ کرم {s} سیکنڈ بعد دوبارہ کوشش کریں۔",
		"err_rate_min":       "بہت زیادہ درخواستیں۔ براہ کرم {m} منٹ بعد دوبارہ کوشش کریں۔",
		"err_input":          "براہ کرم موبائل نمبر اور نام چیک کریں۔",
		"err_forbidden":      "یہ جانچ اس سائٹ پر دستیاب نہیں ہے۔",
		"err_network":        "نیٹ ورک کا مسئلہ۔ براہ کرم اپنا کنکشن چیک کریں اور دوبارہ کوشش کریں۔",
		"err_token":          "جواب کی تصدیق نہیں ہو سکی، اس لیے کچھ بھی شیئر نہیں کیا گیا۔",
		"err_generic":        "کچھ غلط ہو گیا۔ براہ کرم دوبارہ کوشش کریں۔",
		"err_consent":        "براہ کرم پہلے رضامندی کے خانے پر نشان لگائیں۔",
		"err_mobile":         "6، 7، 8 یا 9 سے شروع ہونے والا 10 ہندسوں کا موبائل نمبر لکھیں۔",
		"err_name":           "اپنا رجسٹرڈ نام لکھیں۔",
		"err_otp_format":     "کوڈ کے 6 ہندسے لکھیں۔",
		"err_module":         "یہ براؤزر جانچ لوڈ نہیں کر سکا۔ براہ کرم کوئی دوسرا براؤزر آزمائیں۔",
		"asks_family":        "{entity} جاننا چاہتا ہے کہ {n} مسافروں کو ویکسین لگی ہے یا نہیں۔",
		"shared_only_family": "ہر مسافر کے لیے صرف ایک جواب شیئر کیا جاتا ہے: ویکسین نہیں لگی، جزوی یا مکمل ویکسینیشن۔ موبائل نمبر اور نام شیئر نہیں کیے جاتے۔",
		"family_mobile_hint": "10 ہندسے۔ ایک نمبر پر زیادہ سے زیادہ چھ افراد رجسٹر ہو سکتے ہیں۔",
		"traveller_n":        "مسافر {n}",
		"other_mobile":       "کسی دوسرے موبائل نمبر پر رجسٹرڈ",
		"other_mobile_label": "مسافر {n} کا موبائل نمبر",
		"codes_intro":        "ہر SMS میں آیا ہوا کوڈ درج کریں۔",
		"code_for":           "{last} پر ختم ہونے والے نمبر پر بھیجا گیا کوڈ، {names} کے لیے",
		"code_checked":       "تصدیق ہو گئی۔",
		"list_sep":           "، ",
		"continue":           "آگے بڑھیں",
		"consent_heading":    "{entity} کے ساتھ شیئر کریں؟",
		"consent_list_intro": "{entity} کو نیچے درج ہر مسافر کے لیے صرف ایک جواب ملے گا: ویکسین نہیں لگی، جزوی یا مکمل ویکسینیشن۔ اس کے علاوہ کچھ شیئر نہیں کیا جاتا۔",
		"shared_item":        "صرف ویکسینیشن کی حالت",
		"consent_family":     "میں اپنی طرف سے اور اوپر درج مسافروں کی طرف سے راضی ہوں کہ {entity} کے ساتھ صرف یہ شیئر کیا جائے کہ ہر مسافر کو ویکسین نہیں لگی، جزوی یا مکمل ویکسین لگی ہے۔",
		"back":               "واپس",
		"sent_many":          "ہر نمبر پر ایک کوڈ بھیجا گیا۔",
		"done_family":        "{entity} کو بتایا گیا:",
		"result_item":        "{name}: {status}",
		"result_mismatch":    "شیئر نہیں کیا گیا، نام اس نمبر کی رجسٹریشن سے نہیں ملتا",
		"err_tname":          "مسافر {n} کا رجسٹرڈ نام لکھیں۔",
		"err_tmobile":        "مسافر {n} کے لیے 6، 7، 8 یا 9 سے شروع ہونے والا 10 ہندسوں کا موبائل نمبر لکھیں۔",
		"err_same_name":      "ایک موبائل نمبر پر دو مسافروں کا نام ایک جیسا نہیں ہو سکتا۔",
		"done_note_family":   "مسافروں کے بارے میں اور کچھ شیئر نہیں کیا گیا۔ آپ یہ صفحہ بند کر سکتے ہیں۔",
		"page_unknown":       "یہ ویکسینیشن جانچ اس سائٹ کے لیے ترتیب نہیں دی گئی۔",
		"page_bad_request":   "یہ ویکسینیشن جانچ کا لنک نامکمل یا غلط ہے۔",
	}},
	"bn": {Strings: map[string]string{
		"title":              "টিকাকরণের অবস্থা যাচাই",
		"asks":               "{entity} জানতে চায় আপনি টিকা নিয়েছেন কি না।",
		"purpose":            "উদ্দেশ্য: {purpose}",
		"shared_only":        "শুধু একটি উত্তর জানানো হয়: টিকা নেওয়া হয়নি, আংশিক বা সম্পূর্ণ টিকাকরণ। আপনার মোবাইল নম্বর ও নাম জানানো হয় না।",
		"language":           "ভাষা",
		"mobile_label":       "মোবাইল নম্বর",
		"mobile_hint":        "১০ সংখ্যা, টিকাকরণ রেজিস্ট্রিতে নথিভুক্ত",
		"name_label":         "নথিভুক্ত নাম",
		"send":               "কোড পাঠান",
		"otp_sent":           "{last} দিয়ে শেষ হওয়া মোবাইল নম্বরে আমরা SMS-এ ৬ সংখ্যার কোড পাঠিয়েছি।",
		"otp_label":          "৬ সংখ্যার কোড",
		"consent":            "আমি {entity}-কে শুধু এটুকু জানাতে সম্মত যে আমি টিকা নিইনি, আংশিক বা সম্পূর্ণ টিকা নিয়েছি।",
		"verify":             "যাচাই করে জানান",
		"resend":             "নতুন কোড পাঠান",
		"resend_in":          "{s} সেকেন্ড পরে নতুন কোড চাইতে পারবেন।",
		"resend_in_min":      "{m} মিনিট পরে নতুন কোড চাইতে পারবেন।",
		"expires_in":         "কোডটি {s} সেকেন্ড বৈধ।",
		"change":             "নম্বর বা নাম বদলান",
		"loading":            "লোড হচ্ছে…",
		"ready":              "প্রস্তুত।",
		"sending":            "কোড পাঠানো হচ্ছে…",
		"sent":               "কোড পাঠানো হয়েছে।",
		"checking":           "যাচাই করা হচ্ছে…",
		"done_heading":       "সম্পন্ন",
		"done_text":          "{entity}-কে জানানো হয়েছে: {status}।",
		"done_note":          "আপনার সম্পর্কে আর কিছু জানানো হয়নি। আপনি এই পাতাটি বন্ধ করতে পারেন।",
		"status_0":           "টিকা নেওয়া হয়নি",
		"status_1":           "আংশিক টিকাকরণ",
		"status_2":           "সম্পূর্ণ টিকাকরণ",
		"err_otp_incorrect":  "ভুল কোড। আর {n} বার চেষ্টা করা যাবে।",
		"err_otp_locked":     "অনেকবার ভুল কোড। অনুগ্রহ করে আবার শুরু করুন।",
		"err_otp_expired":    "কোডের মেয়াদ শেষ হয়ে গেছে। অনুগ্রহ করে নতুন কোড চান।",
		"err_otp_superseded": "এই নম্বরে একটি নতুন কোড পাঠানো হয়েছে। অনুগ্রহ করে সর্বশেষ SMS-এর কোডটি লিখুন।",
		"err_name_mismatch":  "নামটি এই মোবাইল নম্বরের নথিভুক্তির সঙ্গে মেলে না।",
		"err_rate":           "অনেক বেশি অনুরোধ। অনুগ্রহ করে {s} সেকেন্ড পরে আবার চেষ্টা করুন।",
		"err_rate_min":       "অনেক বেশি অনুরোধ। অনুগ্রহ করে {m} মিনিট পরে আবার চেষ্টা করুন।",
		"err_input":          "অনুগ্রহ করে মোবাইল নম্বর ও নাম দেখে নিন।",
		"err_forbidden":      "এই সাইটে এই যাচাই পাওয়া যায় না।",
		"err_network":        "নেটওয়ার্কে সমস্যা। অনুগ্রহ করে সংযোগ দেখে আবার চেষ্টা করুন।",
		"err_token":          "উত্তরটি যাচাই করা যায়নি, তাই কিছুই জানানো হয়নি।",
		"err_generic":        "কিছু একটা ভুল হয়েছে। অনুগ্রহ করে আবার চেষ্টা করুন।",
		"err_consent":        "অনুগ্রহ করে আগে সম্মতির ঘরে টিক দিন।",
		"err_mobile":         "৬, ৭, ৮ বা ৯ দিয়ে শুরু ১০ সংখ্যার মোবাইল নম্বর লিখুন।",
		"err_name":           "আপনার নথিভুক্ত নাম লিখুন।",
		"err_otp_format":     "কোডের ৬টি সংখ্যা লিখুন।",
		"err_module":         "এই ব্রাউজারে যাচাই লোড করা যায়নি। অনুগ্রহ করে অন্য ব্রাউজার ব্যবহার করুন।",
		"asks_family":        "{entity} জানতে চায় {n} জন যাত্রী টিকা নিয়েছেন কি না।",
		"shared_only_family": "প্রত্যেক যাত্রীর জন্য শুধু একটি উত্তর জানানো হয়: টিকা নেওয়া হয়নি, আংশিক বা সম্পূর্ণ টিকাকরণ। মোবাইল নম্বর ও নাম জানানো হয় না।",
		"family_mobile_hint": "১০ সংখ্যা। একটি নম্বরে ছয়জন পর্যন্ত নথিভুক্ত থাকতে পারেন।",
		"traveller_n":        "যাত্রী {n}",
		"other_mobile":       "অন্য মোবাইল নম্বরে নথিভুক্ত",
		"other_mobile_label": "যাত্রী {n}-এর মোবাইল নম্বর",
		"codes_intro":        "প্রতিটি SMS-এ আসা কোডটি লিখুন।",
		"code_for":           "{last} দিয়ে শেষ হওয়া নম্বরে পাঠানো কোড, {names}-এর জন্য",
		"code_checked":       "যাচাই হয়েছে।",
		"list_sep":           ", ",
		"continue":           "এগিয়ে যান",
		"consent_heading":    "{entity}-কে জানাবেন?",
		"consent_list_intro": "নিচের প্রত্যেক যাত্রীর জন্য {entity} শুধু একটি উত্তর পাবে: টিকা নেওয়া হয়নি, আংশিক বা সম্পূর্ণ টিকাকরণ। আর কিছু জানানো হয় না।",
		"shared_item":        "শুধু টিকাকরণের অবস্থা",
		"consent_family":     "আমি নিজের এবং ওপরের যাত্রীদের পক্ষ থেকে সম্মত যে {entity}-কে শুধু জানানো হবে প্রত্যেকে টিকা নেননি, আংশিক না সম্পূর্ণ টিকা নিয়েছেন।",
		"back":               "ফিরে যান",
		"sent_many":          "প্রতিটি নম্বরে একটি কোড পাঠানো হয়েছে।",
		"done_family":        "{entity}-কে জানানো হয়েছে:",
		"result_item":        "{name}: {status}",
		"result_mismatch":    "জানানো হয়নি, নামটি এই নম্বরের নথিভুক্তির সঙ্গে মেলে না",
		"err_tname":          "যাত্রী {n}-এর নথিভুক্ত নাম লিখুন।",
		"err_tmobile":        "যাত্রী {n}-এর জন্য ৬, ৭, ৮ বা ৯ দিয়ে শুরু ১০ সংখ্যার মোবাইল নম্বর লিখুন।",
		"err_same_name":      "একটি মোবাইল নম্বরে দুজন যাত্রীর নাম একই হতে পারে না।",
		"done_note_family":   "যাত্রীদের সম্পর্কে আর কিছু জানানো হয়নি। আপনি এই পাতাটি বন্ধ করতে পারেন।",
		"page_unknown":       "এই সাইটের জন্য এই টিকাকরণ যাচাই চালু করা হয়নি।",
		"page_bad_request":   "এই টিকাকরণ যাচাইয়ের লিংকটি অসম্পূর্ণ বা অবৈধ।",
	}},
}

// t returns the string for key with {name} placeholders filled in.
func (l *lang) t(key string, kv ...string) string {
	s, ok := l.Strings[key]
	if !ok {
		s = langs["en"].Strings[key]
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}
