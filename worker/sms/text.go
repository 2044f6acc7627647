package sms

import (
	"strconv"
	"strings"
)

// Languages are the languages messages are written in; the first is the
// fallback.
var Languages = []string{"en", "hi", "ur", "bn"}

// otpTexts are the status-check OTP messages; {entity} is the entity's
// registered display name, never text from the host page.
var otpTexts = map[string]string{
	"en": "{otp} is your KYC-VS code to share your vaccination status with {entity}. It expires in {min} minutes. Do not share this code with anyone.",
	"hi": "{otp} आपका KYC-VS कोड है, जिससे {entity} को आपकी टीकाकरण स्थिति बताई जाएगी। यह {min} मिनट में समाप्त हो जाएगा। यह कोड किसी को न बताएं।",
	"ur": "{otp} آپ کا KYC-VS کوڈ ہے، جس سے {entity} کو آپ کی ویکسینیشن کی حیثیت بتائی جائے گی۔ یہ {min} منٹ میں ختم ہو جائے گا۔ یہ کوڈ کسی کو نہ بتائیں۔",
	"bn": "{otp} আপনার KYC-VS কোড, এটি দিয়ে {entity}-কে আপনার টিকাকরণের অবস্থা জানানো হবে। এটি {min} মিনিটে মেয়াদোত্তীর্ণ হবে। এই কোড কাউকে বলবেন না।",
}

// bookingTexts are the OTP messages for proving a mobile before booking.
var bookingTexts = map[string]string{
	"en": "{otp} is your KYC-VS code to book a vaccination appointment. It expires in {min} minutes. Do not share this code with anyone.",
	"hi": "{otp} टीकाकरण अपॉइंटमेंट बुक करने के लिए आपका KYC-VS कोड है। यह {min} मिनट में समाप्त हो जाएगा। यह कोड किसी को न बताएं।",
	"ur": "{otp} ویکسینیشن اپوائنٹمنٹ بک کرنے کے لیے آپ کا KYC-VS کوڈ ہے۔ یہ {min} منٹ میں ختم ہو جائے گا۔ یہ کوڈ کسی کو نہ بتائیں۔",
	"bn": "{otp} টিকাকরণের অ্যাপয়েন্টমেন্ট বুক করার জন্য আপনার KYC-VS কোড। এটি {min} মিনিটে মেয়াদোত্তীর্ণ হবে। এই কোড কাউকে বলবেন না।",
}

// walkInTexts are the OTP messages for a dose given without a booking: the
// person reads the code to the vaccinator standing in front of them.
var walkInTexts = map[string]string{
	"en": "{otp} is your KYC-VS code to record your vaccination at {entity}. Tell it only to the vaccinator in front of you. It expires in {min} minutes.",
	"hi": "{otp} आपका KYC-VS कोड है, जिससे {entity} पर आपका टीकाकरण दर्ज किया जाएगा। यह कोड केवल सामने मौजूद टीका लगाने वाले को बताएं। यह {min} मिनट में समाप्त हो जाएगा।",
	"ur": "{otp} آپ کا KYC-VS کوڈ ہے، جس سے {entity} میں آپ کی ویکسینیشن درج کی جائے گی۔ یہ کوڈ صرف سامنے موجود ویکسین لگانے والے کو بتائیں۔ یہ {min} منٹ میں ختم ہو جائے گا۔",
	"bn": "{otp} আপনার KYC-VS কোড, এটি দিয়ে {entity}-এ আপনার টিকাকরণ নথিভুক্ত হবে। এই কোড শুধু সামনে থাকা টিকাদানকারীকে বলুন। এটি {min} মিনিটে মেয়াদোত্তীর্ণ হবে।",
}

// signInTexts are the OTP messages of a vaccinator's or supervisor's
// sign-in to the centre console.
var signInTexts = map[string]string{
	"en": "{otp} is your KYC-VS code to sign in to the vaccination centre console. It expires in {min} minutes. Do not share this code with anyone.",
	"hi": "{otp} टीकाकरण केंद्र कंसोल में साइन इन करने के लिए आपका KYC-VS कोड है। यह {min} मिनट में समाप्त हो जाएगा। यह कोड किसी को न बताएं।",
	"ur": "{otp} ویکسینیشن مرکز کنسول میں سائن اِن کرنے کے لیے آپ کا KYC-VS کوڈ ہے۔ یہ {min} منٹ میں ختم ہو جائے گا۔ یہ کوڈ کسی کو نہ بتائیں۔",
	"bn": "{otp} টিকাকরণ কেন্দ্রের কনসোলে সাইন ইন করার জন্য আপনার KYC-VS কোড। এটি {min} মিনিটে মেয়াদোত্তীর্ণ হবে। এই কোড কাউকে বলবেন না।",
}

// Lang returns lang if messages exist in it, else "en".
func Lang(lang string) string {
	if _, ok := otpTexts[lang]; ok {
		return lang
	}
	return "en"
}

// OTPText returns the OTP message for purpose ("status", "booking", "walk_in" or "centre_sign_in") in
// lang. The last line is the WebOTP format so Android Chrome can offer to
// fill the code in: "@host #otp" for a page on the service's own host, or,
// when the code is typed into the widget framed by a page on topHost,
// "@topHost #otp @host" (WebOTP's form for cross-origin iframes).
func OTPText(purpose, lang, entity, otp, host, topHost string, minutes int) string {
	texts := otpTexts
	switch purpose {
	case "booking":
		texts = bookingTexts
	case "walk_in":
		texts = walkInTexts
	case "centre_sign_in":
		texts = signInTexts
	}
	t := texts[Lang(lang)]
	t = strings.NewReplacer("{otp}", otp, "{entity}", entity, "{min}", strconv.Itoa(minutes)).Replace(t)
	if topHost != "" && topHost != host {
		return t + "\n\n@" + topHost + " #" + otp + " @" + host
	}
	return t + "\n\n@" + host + " #" + otp
}
