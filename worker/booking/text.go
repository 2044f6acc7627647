package booking

import "strings"

// slipTexts are the appointment slip SMS: the only place the security code is
// ever shown.
var slipTexts = map[string]string{
	"en": "KYC-VS appointment {id} for {name}: {centre}, {date} at {time}. Security code {code}. Tell it only to the vaccinator at the centre when you receive your dose.",
	"hi": "KYC-VS अपॉइंटमेंट {id}, {name}: {centre}, {date} को {time} बजे। सुरक्षा कोड {code}। यह कोड केवल टीका लगवाते समय केंद्र पर टीकाकर्मी को बताएं।",
	"ur": "KYC-VS اپوائنٹمنٹ {id}، {name}: {centre}، {date} کو {time} بجے۔ سیکیورٹی کوڈ {code}۔ یہ کوڈ صرف ٹیکہ لگواتے وقت مرکز پر ویکسینیٹر کو بتائیں۔",
	"bn": "KYC-VS অ্যাপয়েন্টমেন্ট {id}, {name}: {centre}, {date} তারিখে {time}-এ। নিরাপত্তা কোড {code}। টিকা নেওয়ার সময় শুধু কেন্দ্রের টিকাদানকর্মীকে এই কোড বলবেন।",
	"mr": "KYC-VS अपॉइंटमेंट {id}, {name}: {centre}, {date} रोजी {time} वाजता. सुरक्षा कोड {code}. लस घेताना हा कोड फक्त केंद्रातील लसकर्मीला सांगा.",
	"gu": "KYC-VS એપોઇન્ટમેન્ટ {id}, {name}: {centre}, {date} ના રોજ {time} વાગ્યે. સુરક્ષા કોડ {code}. રસી લેતી વખતે આ કોડ ફક્ત કેન્દ્ર પરના રસીકર્મીને જ કહો.",
	"pa": "KYC-VS ਮੁਲਾਕਾਤ {id}, {name}: {centre}, {date} ਨੂੰ {time} ਵਜੇ। ਸੁਰੱਖਿਆ ਕੋਡ {code}। ਟੀਕਾ ਲਗਵਾਉਂਦੇ ਸਮੇਂ ਇਹ ਕੋਡ ਸਿਰਫ਼ ਕੇਂਦਰ ਦੇ ਟੀਕਾਕਰਮੀ ਨੂੰ ਦੱਸੋ।",
	"ta": "KYC-VS முன்பதிவு {id}, {name}: {centre}, {date} அன்று {time} மணிக்கு. பாதுகாப்புக் குறியீடு {code}. தடுப்பூசி செலுத்தும்போது மையத்தில் உள்ள பணியாளரிடம் மட்டும் இதைச் சொல்லவும்.",
	"te": "KYC-VS అపాయింట్\u200cమెంట్ {id}, {name}: {centre}, {date}న {time}కు. భద్రతా కోడ్ {code}. టీకా వేయించుకునేటప్పుడు కేంద్రంలోని టీకా సిబ్బందికి మాత్రమే ఈ కోడ్ చెప్పండి.",
	"kn": "KYC-VS ಅಪಾಯಿಂಟ್\u200cಮೆಂಟ್ {id}, {name}: {centre}, {date} ರಂದು {time} ಕ್ಕೆ. ಭದ್ರತಾ ಕೋಡ್ {code}. ಲಸಿಕೆ ಪಡೆಯುವಾಗ ಕೇಂದ್ರದ ಲಸಿಕೆ ಸಿಬ್ಬಂದಿಗೆ ಮಾತ್ರ ಈ ಕೋಡ್ ಹೇಳಿ.",
	"ml": "KYC-VS അപ്പോയിന്റ്മെന്റ് {id}, {name}: {centre}, {date}, {time}. സുരക്ഷാ കോഡ് {code}. വാക്സിൻ എടുക്കുമ്പോൾ കേന്ദ്രത്തിലെ വാക്സിനേറ്ററോട് മാത്രം ഈ കോഡ് പറയുക.",
	"or": "KYC-VS ଆପଏଣ୍ଟମେଣ୍ଟ {id}, {name}: {centre}, {date} ତାରିଖ {time}ରେ। ସୁରକ୍ଷା କୋଡ୍ {code}। ଟିକା ନେବା ସମୟରେ କେବଳ କେନ୍ଦ୍ରର ଟିକାକର୍ମୀଙ୍କୁ ଏହି କୋଡ୍ କୁହନ୍ତୁ।",
	"as": "KYC-VS এপইণ্টমেণ্ট {id}, {name}: {centre}, {date} তাৰিখে {time}ত। সুৰক্ষা ক'ড {code}। টিকা লোৱাৰ সময়ত কেৱল কেন্দ্ৰৰ টিকাকৰ্মীজনক এই ক'ড ক'ব।",
}

// doseTexts confirm a recorded dose. They are sent only after the dose row
// exists, never for a refused recording.
var doseTexts = map[string]string{
	"en": "KYC-VS: dose {n} of {vaccine} recorded for {name} at {centre} on {date}; certificate generated.",
	"hi": "KYC-VS: {name} की {vaccine} की खुराक {n} {centre} में {date} को दर्ज की गई; प्रमाणपत्र जारी किया गया।",
	"ur": "KYC-VS: {name} کی {vaccine} کی خوراک {n} {centre} میں {date} کو درج کی گئی؛ سرٹیفکیٹ جاری کر دیا گیا۔",
	"bn": "KYC-VS: {name}-এর {vaccine} টিকার ডোজ {n} {centre}-এ {date} তারিখে নথিভুক্ত হয়েছে; সার্টিফিকেট তৈরি হয়েছে।",
	"mr": "KYC-VS: {name} यांचा {vaccine} लसीचा डोस {n} {centre} येथे {date} रोजी नोंदवला; प्रमाणपत्र तयार झाले.",
	"gu": "KYC-VS: {name} નો {vaccine} રસીનો ડોઝ {n} {centre} ખાતે {date} ના રોજ નોંધાયો; પ્રમાણપત્ર તૈયાર થયું.",
	"pa": "KYC-VS: {name} ਦੀ {vaccine} ਦੀ ਖ਼ੁਰਾਕ {n} {centre} ਵਿਖੇ {date} ਨੂੰ ਦਰਜ ਕੀਤੀ ਗਈ; ਸਰਟੀਫਿਕੇਟ ਜਾਰੀ ਹੋ ਗਿਆ।",
	"ta": "KYC-VS: {name}-க்கு {vaccine} தடுப்பூசி டோஸ் {n}, {centre}-இல் {date} அன்று பதிவானது; சான்றிதழ் தயார்.",
	"te": "KYC-VS: {name}కు {vaccine} టీకా డోస్ {n} {centre}లో {date}న నమోదైంది; సర్టిఫికెట్ జారీ అయింది.",
	"kn": "KYC-VS: {name} ಅವರ {vaccine} ಲಸಿಕೆ ಡೋಸ್ {n} {centre} ನಲ್ಲಿ {date} ರಂದು ದಾಖಲಾಗಿದೆ; ಪ್ರಮಾಣಪತ್ರ ಸಿದ್ಧವಾಗಿದೆ.",
	"ml": "KYC-VS: {name}-ന്റെ {vaccine} വാക്സിൻ ഡോസ് {n}, {centre}-ൽ {date}-ന് രേഖപ്പെടുത്തി; സർട്ടിഫിക്കറ്റ് തയ്യാറായി.",
	"or": "KYC-VS: {name}ଙ୍କ {vaccine} ଟିକାର ଡୋଜ୍ {n} {centre}ରେ {date} ତାରିଖରେ ଲିପିବଦ୍ଧ ହେଲା; ପ୍ରମାଣପତ୍ର ପ୍ରସ୍ତୁତ ହେଲା।",
	"as": "KYC-VS: {name}ৰ {vaccine} টিকাৰ ড'জ {n} {centre}ত {date} তাৰিখে পঞ্জীভুক্ত হ'ল; প্ৰমাণপত্ৰ প্ৰস্তুত কৰা হ'ল।",
}

func text(texts map[string]string, lang string, kv ...string) string {
	t, ok := texts[lang]
	if !ok {
		t = texts["en"]
	}
	return strings.NewReplacer(kv...).Replace(t)
}
