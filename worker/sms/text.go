package sms

import (
	"strconv"
	"strings"
)

// Languages are the languages messages are written in, in worker/page's
// order (CoWIN's twelve and Urdu; a test checks they are page.Languages);
// the first is the fallback. Every text map below has each of them, with
// English's placeholders (tested).
var Languages = []string{"en", "hi", "ur", "bn", "mr", "gu", "pa", "ta", "te", "kn", "ml", "or", "as"}

// The OTP texts are written to fit two UCS-2 SMS (134 UTF-16 units)
// together with the WebOTP line, a 15-character entity name and, for the
// status check, the framed form of that line (TestOTPSegments measures
// each and logs the numbers with -v). Every Indic or Urdu
// message is UCS-2 (70 units alone, 67 per part), so each word costs: the
// status and walk-in texts name the code, what it is for and whom not to
// tell, and leave the code's lifetime to the page, which counts it down.

// otpTexts are the status-check OTP messages; {entity} is the entity's
// registered display name, never text from the host page.
var otpTexts = map[string]string{
	"en": "{otp} is your KYC-VS code to share your vaccination status with {entity}. Do not share this code with anyone.",
	"hi": "{otp} KYC-VS कोड: {entity} को आपकी टीकाकरण स्थिति बताने हेतु। किसी को न बताएं।",
	"ur": "{otp} KYC-VS کوڈ: {entity} کو ویکسینیشن کی حیثیت بتانے کے لیے۔ کسی کو نہ بتائیں۔",
	"bn": "{otp} KYC-VS কোড: {entity}-কে আপনার টিকাকরণের অবস্থা জানাতে। কাউকে বলবেন না।",
	"mr": "{otp} KYC-VS कोड: {entity} ला तुमची लसीकरण स्थिती कळवण्यासाठी. कोणालाही सांगू नका.",
	"gu": "{otp} KYC-VS કોડ: {entity} ને તમારી રસીકરણ સ્થિતિ જણાવવા માટે. કોઈને કહેશો નહીં.",
	"pa": "{otp} KYC-VS ਕੋਡ: {entity} ਨੂੰ ਤੁਹਾਡੀ ਟੀਕਾਕਰਨ ਸਥਿਤੀ ਦੱਸਣ ਲਈ। ਕਿਸੇ ਨੂੰ ਨਾ ਦੱਸੋ।",
	"ta": "{otp} KYC-VS OTP: {entity} உங்கள் தடுப்பூசி நிலையை அறிய. யாரிடமும் சொல்லாதீர்.",
	"te": "{otp} KYC-VS కోడ్: మీ టీకా స్థితిని {entity}కు తెలపడానికి. ఎవరికీ చెప్పకండి.",
	"kn": "{otp} KYC-VS ಕೋಡ್: ನಿಮ್ಮ ಲಸಿಕೆ ಸ್ಥಿತಿಯನ್ನು {entity} ಗೆ ತಿಳಿಸಲು. ಯಾರಿಗೂ ಹೇಳಬೇಡಿ.",
	"ml": "{otp} KYC-VS കോഡ്: നിങ്ങളുടെ വാക്സിനേഷൻ നില {entity} അറിയാൻ. ആരോടും പറയരുത്.",
	"or": "{otp} KYC-VS କୋଡ୍: {entity}କୁ ଟିକାକରଣ ସ୍ଥିତି ଜଣାଇବା ପାଇଁ। କାହାକୁ କୁହନ୍ତୁ ନାହିଁ।",
	"as": "{otp} KYC-VS ক'ড: {entity}-ক আপোনাৰ টিকাকৰণৰ স্থিতি জনাবলৈ। কাকো নক'ব।",
}

// bookingTexts are the OTP messages for proving a mobile before booking.
var bookingTexts = map[string]string{
	"en": "{otp} is your KYC-VS code to book a vaccination appointment. It expires in {min} minutes. Do not share this code with anyone.",
	"hi": "{otp} KYC-VS कोड: टीकाकरण अपॉइंटमेंट बुक करने हेतु। {min} मिनट तक मान्य। किसी को न बताएं।",
	"ur": "{otp} KYC-VS کوڈ: ویکسینیشن اپوائنٹمنٹ بک کرنے کے لیے۔ {min} منٹ تک درست۔ کسی کو نہ بتائیں۔",
	"bn": "{otp} KYC-VS কোড: টিকাকরণের অ্যাপয়েন্টমেন্ট বুক করতে। {min} মিনিট বৈধ। কাউকে বলবেন না।",
	"mr": "{otp} KYC-VS कोड: लसीकरणाची अपॉइंटमेंट बुक करण्यासाठी. {min} मिनिटे वैध. कोणालाही सांगू नका.",
	"gu": "{otp} KYC-VS કોડ: રસીકરણની એપોઇન્ટમેન્ટ બુક કરવા માટે. {min} મિનિટ માન્ય. કોઈને કહેશો નહીં.",
	"pa": "{otp} KYC-VS ਕੋਡ: ਟੀਕਾਕਰਨ ਦੀ ਮੁਲਾਕਾਤ ਬੁੱਕ ਕਰਨ ਲਈ। {min} ਮਿੰਟ ਤੱਕ ਵੈਧ। ਕਿਸੇ ਨੂੰ ਨਾ ਦੱਸੋ।",
	"ta": "{otp} KYC-VS OTP: தடுப்பூசி முன்பதிவு செய்ய. {min} நிமிடம் செல்லும். யாரிடமும் சொல்லாதீர்.",
	"te": "{otp} KYC-VS కోడ్: టీకా అపాయింట్\u200cమెంట్ బుక్ చేయడానికి. {min} నిమిషాల పాటు చెల్లుతుంది. ఎవరికీ చెప్పకండి.",
	"kn": "{otp} KYC-VS ಕೋಡ್: ಲಸಿಕೆ ಅಪಾಯಿಂಟ್\u200cಮೆಂಟ್ ಬುಕ್ ಮಾಡಲು. {min} ನಿಮಿಷ ಮಾನ್ಯ. ಯಾರಿಗೂ ಹೇಳಬೇಡಿ.",
	"ml": "{otp} KYC-VS കോഡ്: വാക്സിനേഷൻ അപ്പോയിന്റ്മെന്റ് ബുക്ക് ചെയ്യാൻ. {min} മിനിറ്റ് സാധുതയുണ്ട്. ആരോടും പറയരുത്.",
	"or": "{otp} KYC-VS କୋଡ୍: ଟିକାକରଣ ଆପଏଣ୍ଟମେଣ୍ଟ ବୁକ୍ କରିବା ପାଇଁ। {min} ମିନିଟ ବୈଧ। କାହାକୁ କୁହନ୍ତୁ ନାହିଁ।",
	"as": "{otp} KYC-VS ক'ড: টিকাকৰণৰ এপইণ্টমেণ্ট বুক কৰিবলৈ। {min} মিনিট বৈধ। কাকো নক'ব।",
}

// walkInTexts are the OTP messages for a dose given without a booking: the
// person reads the code to the vaccinator standing in front of them.
var walkInTexts = map[string]string{
	"en": "{otp} is your KYC-VS code to record your vaccination at {entity}. Tell it only to the vaccinator in front of you.",
	"hi": "{otp} KYC-VS कोड: {entity} में आपका टीकाकरण दर्ज करने हेतु। केवल सामने मौजूद टीकाकर्मी को बताएं।",
	"ur": "{otp} KYC-VS کوڈ: {entity} میں ویکسینیشن درج کرنے کے لیے۔ صرف سامنے موجود ویکسینیٹر کو بتائیں۔",
	"bn": "{otp} KYC-VS কোড: {entity}-এ আপনার টিকাকরণ নথিভুক্ত করতে। শুধু সামনের টিকাদানকর্মীকে বলুন।",
	"mr": "{otp} KYC-VS कोड: {entity} येथे तुमच्या लसीकरणाची नोंद करण्यासाठी. फक्त समोरच्या लसकर्मीला सांगा.",
	"gu": "{otp} KYC-VS કોડ: {entity} માં તમારું રસીકરણ નોંધવા માટે. ફક્ત સામેના રસીકર્મીને જ કહો.",
	"pa": "{otp} KYC-VS ਕੋਡ: {entity} ਵਿਖੇ ਤੁਹਾਡਾ ਟੀਕਾਕਰਨ ਦਰਜ ਕਰਨ ਲਈ। ਸਿਰਫ਼ ਸਾਹਮਣੇ ਖੜ੍ਹੇ ਟੀਕਾਕਰਮੀ ਨੂੰ ਦੱਸੋ।",
	"ta": "{otp} KYC-VS OTP: {entity}-இல் தடுப்பூசியைப் பதிய. எதிரிலுள்ள பணியாளரிடம் மட்டும் சொல்லவும்.",
	"te": "{otp} KYC-VS కోడ్: {entity}లో మీ టీకాను నమోదు చేయడానికి. ఎదుట ఉన్న టీకా సిబ్బందికే చెప్పండి.",
	"kn": "{otp} KYC-VS ಕೋಡ್: {entity} ನಲ್ಲಿ ನಿಮ್ಮ ಲಸಿಕೆ ದಾಖಲಿಸಲು. ಎದುರಿನ ಲಸಿಕೆ ಸಿಬ್ಬಂದಿಗೆ ಮಾತ್ರ ಹೇಳಿ.",
	"ml": "{otp} KYC-VS കോഡ്: {entity}-ൽ വാക്സിനേഷൻ രേഖപ്പെടുത്താൻ. മുന്നിലുള്ള ജീവനക്കാരോട് മാത്രം പറയുക.",
	"or": "{otp} KYC-VS କୋଡ୍: {entity}ରେ ଟିକାକରଣ ଲିପିବଦ୍ଧ ପାଇଁ। କେବଳ ସାମ୍ନାରେ ଥିବା ଟିକାକର୍ମୀଙ୍କୁ କୁହନ୍ତୁ।",
	"as": "{otp} KYC-VS ক'ড: {entity}-ত আপোনাৰ টিকাকৰণ পঞ্জীভুক্ত কৰিবলৈ। কেৱল সন্মুখৰ টিকাকৰ্মীজনক ক'ব।",
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
