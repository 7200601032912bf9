<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="hi_IN">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About Sampark</source>
        <translation>संपर्क के बारे में</translation>
    </message>
    <message>
        <source>Sampark %1</source>
        <translation>संपर्क %1</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>लॉग</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>डेटा</translation>
    </message>
    <message>
        <source>Machine settings</source>
        <translation>कंप्यूटर की सेटिंग्स</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>लॉग फ़ोल्डर खोलें</translation>
    </message>
</context>
<context>
    <name>BoardModel</name>
    <message>
        <source>Ready</source>
        <translation>तैयार</translation>
    </message>
    <message>
        <source>On call</source>
        <translation>कॉल पर</translation>
    </message>
    <message>
        <source>Wrap-up</source>
        <translation>रैप-अप</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>विराम</translation>
    </message>
    <message>
        <source>Logged out</source>
        <translation>लॉग आउट</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>कॉलर</translation>
    </message>
    <message>
        <source>State</source>
        <translation>स्थिति</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>समय</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>संपर्क व्यक्ति</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>भूमिका</translation>
    </message>
    <message>
        <source>Booth</source>
        <translation>बूथ</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>गुणवत्ता</translation>
    </message>
    <message>
        <source>Monitor</source>
        <translation>निगरानी</translation>
    </message>
    <message>
        <source>Loss %1 %, jitter %2 ms</source>
        <translation>हानि %1 %, जिटर %2 ms</translation>
    </message>
    <message>
        <source>Listen</source>
        <translation>सुनें</translation>
    </message>
    <message>
        <source>Whisper</source>
        <translation>फुसफुसाएँ</translation>
    </message>
    <message>
        <source>Barge</source>
        <translation>शामिल हों</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>रोकें</translation>
    </message>
</context>
<context>
    <name>CallPanel</name>
    <message>
        <source>No call</source>
        <translation>कोई कॉल नहीं</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>होल्ड पर</translation>
    </message>
    <message>
        <source>In call</source>
        <translation>कॉल जारी</translation>
    </message>
    <message>
        <source>Calling…</source>
        <translation>कॉल कर रहे हैं…</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>आने वाली कॉल</translation>
    </message>
    <message>
        <source>Ringing…</source>
        <translation>घंटी बज रही है…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>जुड़ रहा है…</translation>
    </message>
    <message>
        <source>Call ended</source>
        <translation>कॉल समाप्त</translation>
    </message>
    <message>
        <source>Call failed: %1 %2</source>
        <translation>कॉल विफल: %1 %2</translation>
    </message>
</context>
<context>
    <name>Campaign</name>
    <message>
        <source>Answered — completed</source>
        <translation>जवाब मिला — पूरा</translation>
    </message>
    <message>
        <source>Answered — not completed</source>
        <translation>जवाब मिला — अधूरा</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>कोई जवाब नहीं</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>व्यस्त</translation>
    </message>
    <message>
        <source>Switched off / not reachable</source>
        <translation>बंद / संपर्क से बाहर</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>गलत नंबर</translation>
    </message>
    <message>
        <source>Call back later</source>
        <translation>बाद में कॉल करें</translation>
    </message>
    <message>
        <source>Language barrier</source>
        <translation>भाषा की समस्या</translation>
    </message>
    <message>
        <source>Do not call</source>
        <translation>कॉल न करें</translation>
    </message>
    <message>
        <source>Break</source>
        <translation>विराम</translation>
    </message>
    <message>
        <source>Meal</source>
        <translation>भोजन</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>प्रशिक्षण</translation>
    </message>
    <message>
        <source>Technical problem</source>
        <translation>तकनीकी समस्या</translation>
    </message>
    <message>
        <source>Not ready — press Ready (F5)</source>
        <translation>तैयार नहीं — &quot;तैयार&quot; दबाएँ (F5)</translation>
    </message>
    <message>
        <source>Fetching contacts…</source>
        <translation>संपर्क लाए जा रहे हैं…</translation>
    </message>
    <message>
        <source>Ready — preview</source>
        <translation>तैयार — संपर्क देखें</translation>
    </message>
    <message>
        <source>Dialling…</source>
        <translation>डायल हो रहा है…</translation>
    </message>
    <message>
        <source>On call</source>
        <translation>कॉल पर</translation>
    </message>
    <message>
        <source>Wrap-up</source>
        <translation>कॉल का नतीजा</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>विराम पर</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>प्रतीक्षा में</translation>
    </message>
    <message>
        <source>synced</source>
        <translation>भेजा गया</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>अस्वीकृत</translation>
    </message>
    <message>
        <source>conflict</source>
        <translation>टकराव</translation>
    </message>
</context>
<context>
    <name>CampaignView</name>
    <message>
        <source>Script</source>
        <translation>स्क्रिप्ट</translation>
    </message>
    <message>
        <source>Call history</source>
        <translation>कॉल इतिहास</translation>
    </message>
</context>
<context>
    <name>Commands</name>
    <message>
        <source>About Sampark</source>
        <translation>संपर्क के बारे में</translation>
    </message>
    <message>
        <source>Dial</source>
        <translation>डायल करें</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>कॉल काटें</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>उत्तर दें</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>अस्वीकार करें</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>होल्ड</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>म्यूट</translation>
    </message>
    <message>
        <source>Transfer…</source>
        <translation>ट्रांसफ़र…</translation>
    </message>
    <message>
        <source>Send tone</source>
        <translation>टोन भेजें</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>सेटिंग्स…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>बाहर निकलें</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>तैयार</translation>
    </message>
    <message>
        <source>Pause…</source>
        <translation>विराम…</translation>
    </message>
    <message>
        <source>Save outcome</source>
        <translation>नतीजा सहेजें</translation>
    </message>
    <message>
        <source>Call contact</source>
        <translation>संपर्क को कॉल करें</translation>
    </message>
    <message>
        <source>Skip contact</source>
        <translation>संपर्क छोड़ें</translation>
    </message>
    <message>
        <source>Dial pad</source>
        <translation>डायल पैड</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>लॉग आउट</translation>
    </message>
    <message>
        <source>Choose outcome</source>
        <translation>नतीजा चुनें</translation>
    </message>
</context>
<context>
    <name>ContactCard</name>
    <message>
        <source>No contact</source>
        <translation>कोई संपर्क नहीं</translation>
    </message>
    <message>
        <source>Call this number</source>
        <translation>इस नंबर पर कॉल करें</translation>
    </message>
    <message>
        <source>No earlier attempts</source>
        <translation>पहले कोई कोशिश नहीं</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>भूमिका</translation>
    </message>
    <message>
        <source>Booth</source>
        <translation>बूथ</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>भाषा</translation>
    </message>
    <message>
        <source>Numbers</source>
        <translation>नंबर</translation>
    </message>
    <message>
        <source>Earlier attempts: %1</source>
        <translation>पिछली कोशिशें: %1</translation>
    </message>
</context>
<context>
    <name>DialPanel</name>
    <message>
        <source>Number or SIP address</source>
        <translation>नंबर या SIP पता</translation>
    </message>
    <message>
        <source>Type a number and press Enter to dial</source>
        <translation>नंबर लिखें और डायल करने के लिए Enter दबाएँ</translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <source>Time</source>
        <translation>समय</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>संपर्क</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>नंबर</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>अवधि</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>नतीजा</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>गुणवत्ता</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>सिंक</translation>
    </message>
</context>
<context>
    <name>IncomingCallDialog</name>
    <message>
        <source>Incoming call</source>
        <translation>आने वाली कॉल</translation>
    </message>
    <message>
        <source>Incoming call from</source>
        <translation>कॉल आ रही है:</translation>
    </message>
    <message>
        <source>&amp;Answer</source>
        <translation>उत्तर दें (&amp;A)</translation>
    </message>
    <message>
        <source>Answer (Enter, F2)</source>
        <translation>उत्तर दें (Enter, F2)</translation>
    </message>
    <message>
        <source>&amp;Reject</source>
        <translation>अस्वीकार करें (&amp;R)</translation>
    </message>
    <message>
        <source>Reject (Esc, F3)</source>
        <translation>अस्वीकार करें (Esc, F3)</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Logging in…</source>
        <translation>लॉग इन हो रहा है…</translation>
    </message>
    <message>
        <source>Enter the server address (it starts with https://).</source>
        <translation>सर्वर का पता लिखें (यह https:// से शुरू होता है)।</translation>
    </message>
    <message>
        <source>Enter your user name.</source>
        <translation>अपना यूज़र नाम लिखें।</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>अपना पासवर्ड लिखें।</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords. Try again in a few minutes.</source>
        <translation>कई बार गलत पासवर्ड के कारण यह खाता बंद है। कुछ मिनट बाद फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>This account may not log in here. Ask your supervisor.</source>
        <translation>यह खाता यहाँ लॉग इन नहीं कर सकता। अपने सुपरवाइज़र से पूछें।</translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>गलत यूज़र नाम या पासवर्ड।</translation>
    </message>
    <message>
        <source>The secure connection to the server failed (TLS certificate).</source>
        <translation>सर्वर से सुरक्षित कनेक्शन नहीं बना (TLS प्रमाणपत्र)।</translation>
    </message>
    <message>
        <source>The server cannot be reached. Check the network, then try again.</source>
        <translation>सर्वर तक नहीं पहुँच पा रहे। नेटवर्क जाँचें, फिर कोशिश करें।</translation>
    </message>
    <message>
        <source>The server could not log you in: %1</source>
        <translation>सर्वर ने लॉग इन नहीं किया: %1</translation>
    </message>
    <message>
        <source>Login failed: %1</source>
        <translation>लॉग इन नहीं हुआ: %1</translation>
    </message>
    <message>
        <source>Sampark — log in</source>
        <translation>संपर्क — लॉग इन</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>सर्वर (&amp;S):</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>यूज़र नाम (&amp;U):</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>पासवर्ड (&amp;P):</translation>
    </message>
    <message>
        <source>Change server (advanced)</source>
        <translation>सर्वर बदलें (उन्नत)</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>लॉग इन</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>बंद करें</translation>
    </message>
    <message>
        <source>Logged in, but the shift could not start: %1</source>
        <translation>लॉग इन हुआ, पर शिफ़्ट शुरू नहीं हो सकी: %1</translation>
    </message>
    <message>
        <source>Your session expired. Log in again.</source>
        <translation>आपका सत्र समाप्त हो गया। फिर से लॉग इन करें।</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>No account</source>
        <translation>कोई खाता नहीं</translation>
    </message>
    <message>
        <source>Ready (no registrar)</source>
        <translation>तैयार (रजिस्ट्रार नहीं)</translation>
    </message>
    <message>
        <source>Registered</source>
        <translation>पंजीकृत</translation>
    </message>
    <message>
        <source>Registering…</source>
        <translation>पंजीकरण हो रहा है…</translation>
    </message>
    <message>
        <source>Not registered</source>
        <translation>पंजीकृत नहीं</translation>
    </message>
    <message>
        <source>Registration failed: %1 %2</source>
        <translation>पंजीकरण विफल: %1 %2</translation>
    </message>
    <message>
        <source>Transfer: %1 %2</source>
        <translation>ट्रांसफ़र: %1 %2</translation>
    </message>
    <message>
        <source>Problem: %1</source>
        <translation>समस्या: %1</translation>
    </message>
    <message>
        <source>Not dialled: %1</source>
        <translation>डायल नहीं हुआ: %1</translation>
    </message>
    <message>
        <source>Transfer call</source>
        <translation>कॉल ट्रांसफ़र करें</translation>
    </message>
    <message>
        <source>Transfer to number or SIP address:</source>
        <translation>किस नंबर या SIP पते पर ट्रांसफ़र करें:</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>ट्रांसफ़र करें</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>रद्द करें</translation>
    </message>
    <message>
        <source>Sampark — caller</source>
        <translation>संपर्क — कॉलर</translation>
    </message>
    <message>
        <source>&amp;Call</source>
        <translation>कॉल (&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>टूल्स (&amp;T)</translation>
    </message>
    <message>
        <source>C&amp;ampaign</source>
        <translation>अभियान (&amp;A)</translation>
    </message>
</context>
<context>
    <name>MonitorIndicator</name>
    <message>
        <source>Supervisor is listening</source>
        <translation>पर्यवेक्षक सुन रहे हैं</translation>
    </message>
    <message>
        <source>Supervisor is listening and can talk to you</source>
        <translation>पर्यवेक्षक सुन रहे हैं और आपसे बात कर सकते हैं</translation>
    </message>
    <message>
        <source>Supervisor has joined the call</source>
        <translation>पर्यवेक्षक कॉल में शामिल हैं</translation>
    </message>
    <message>
        <source>The other party hears the supervisor only in barge mode.</source>
        <translation>सामने वाला व्यक्ति पर्यवेक्षक को केवल &quot;शामिल हों&quot; मोड में सुनता है।</translation>
    </message>
</context>
<context>
    <name>Phone</name>
    <message>
        <source>Not ready to dial</source>
        <translation>डायल करने के लिए तैयार नहीं</translation>
    </message>
    <message>
        <source>Not a dialable number</source>
        <translation>यह डायल करने योग्य नंबर नहीं है</translation>
    </message>
</context>
<context>
    <name>QualityIndicator</name>
    <message>
        <source>Call quality: no data yet</source>
        <translation>कॉल की गुणवत्ता: अभी कोई डेटा नहीं</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>गुणवत्ता</translation>
    </message>
    <message>
        <source>Codec</source>
        <translation>कोडेक</translation>
    </message>
    <message>
        <source>Packet loss</source>
        <translation>पैकेट हानि</translation>
    </message>
    <message>
        <source>Jitter</source>
        <translation>जिटर</translation>
    </message>
    <message>
        <source>Round trip</source>
        <translation>राउंड ट्रिप</translation>
    </message>
    <message>
        <source>MOS</source>
        <translation>MOS</translation>
    </message>
    <message>
        <source>Audio underruns</source>
        <translation>ऑडियो अंडररन</translation>
    </message>
</context>
<context>
    <name>ScriptPanel</name>
    <message>
        <source>Script version %1</source>
        <translation>स्क्रिप्ट संस्करण %1</translation>
    </message>
    <message>
        <source>Script &amp;language:</source>
        <translation>स्क्रिप्ट की भाषा (&amp;L):</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>सेटिंग्स</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>माइक्रोफ़ोन</translation>
    </message>
    <message>
        <source>Headset speaker</source>
        <translation>हेडसेट स्पीकर</translation>
    </message>
    <message>
        <source>Ringer</source>
        <translation>रिंगर</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>भाषा</translation>
    </message>
    <message>
        <source>Where incoming calls ring</source>
        <translation>आने वाली कॉल की घंटी कहाँ बजे</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>ठीक है</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>लागू करें</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>रद्द करें</translation>
    </message>
</context>
<context>
    <name>Supervisor</name>
    <message>
        <source>%1 is not on a call that can be monitored.</source>
        <translation>%1 ऐसी कॉल पर नहीं हैं जिसकी निगरानी हो सके।</translation>
    </message>
    <message>
        <source>No SIP account for monitoring on this PC.</source>
        <translation>इस पीसी पर निगरानी के लिए कोई SIP खाता नहीं है।</translation>
    </message>
    <message>
        <source>The server does not allow monitoring %1.</source>
        <translation>सर्वर %1 की निगरानी की अनुमति नहीं देता।</translation>
    </message>
    <message>
        <source>No monitor grant from the server: %1</source>
        <translation>सर्वर से निगरानी अनुमति नहीं मिली: %1</translation>
    </message>
    <message>
        <source>%1&apos;s softphone refused the monitoring request (403).</source>
        <translation>%1 के सॉफ़्टफ़ोन ने निगरानी अनुरोध अस्वीकार किया (403)।</translation>
    </message>
    <message>
        <source>%1&apos;s softphone could not be reached: %2</source>
        <translation>%1 के सॉफ़्टफ़ोन तक नहीं पहुँच सके: %2</translation>
    </message>
    <message>
        <source>%1&apos;s softphone refused the mode change; the mode stays as it was.</source>
        <translation>%1 के सॉफ़्टफ़ोन ने मोड बदलना अस्वीकार किया; मोड पहले जैसा है।</translation>
    </message>
    <message>
        <source>%1&apos;s softphone did not confirm the mode change; the mode stays as it was.</source>
        <translation>%1 के सॉफ़्टफ़ोन ने मोड बदलने की पुष्टि नहीं की; मोड पहले जैसा है।</translation>
    </message>
    <message>
        <source>Monitoring of %1 ended.</source>
        <translation>%1 की निगरानी समाप्त हुई।</translation>
    </message>
</context>
<context>
    <name>SupervisorWindow</name>
    <message>
        <source>Board live</source>
        <translation>बोर्ड चालू</translation>
    </message>
    <message>
        <source>Board offline — retrying</source>
        <translation>बोर्ड ऑफ़लाइन — फिर से कोशिश हो रही है</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>जुड़ रहे हैं…</translation>
    </message>
    <message>
        <source>Not monitoring</source>
        <translation>निगरानी नहीं हो रही</translation>
    </message>
    <message>
        <source>Listening to %1</source>
        <translation>%1 को सुन रहे हैं</translation>
    </message>
    <message>
        <source>Whispering to %1</source>
        <translation>%1 से फुसफुसा रहे हैं</translation>
    </message>
    <message>
        <source>In the call with %1</source>
        <translation>%1 के साथ कॉल में</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>%1 से जुड़ रहे हैं…</translation>
    </message>
    <message>
        <source>(changing mode…)</source>
        <translation>(मोड बदल रहा है…)</translation>
    </message>
    <message>
        <source>Sampark — supervisor</source>
        <translation>संपर्क — पर्यवेक्षक</translation>
    </message>
    <message>
        <source>Filter: name, booth or state</source>
        <translation>छाँटें: नाम, बूथ या स्थिति</translation>
    </message>
    <message>
        <source>Stop monitoring</source>
        <translation>निगरानी रोकें</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>टूल्स (&amp;T)</translation>
    </message>
    <message>
        <source>Audio devices and language…</source>
        <translation>ऑडियो उपकरण और भाषा…</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>लॉग आउट</translation>
    </message>
</context>
<context>
    <name>SyncIndicator</name>
    <message>
        <source>Not connected</source>
        <translation>जुड़ा नहीं</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>ऑनलाइन</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>ऑफ़लाइन</translation>
    </message>
    <message>
        <source>%1 waiting to sync</source>
        <translation>%1 भेजने बाकी</translation>
    </message>
    <message>
        <source>%1 rejected</source>
        <translation>%1 अस्वीकृत</translation>
    </message>
    <message>
        <source>%1 in conflict</source>
        <translation>%1 में टकराव</translation>
    </message>
    <message>
        <source>log in again</source>
        <translation>फिर से लॉग इन करें</translation>
    </message>
    <message>
        <source>Last synced %1</source>
        <translation>आख़िरी सिंक %1</translation>
    </message>
</context>
<context>
    <name>UriHandoff</name>
    <message>
        <source>Call %1?</source>
        <translation>%1 पर कॉल करें?</translation>
    </message>
</context>
<context>
    <name>WrapUpPanel</name>
    <message>
        <source>Choose an outcome first (keys 1–9).</source>
        <translation>पहले नतीजा चुनें (कुंजी 1–9)।</translation>
    </message>
    <message>
        <source>The callback time must be in the future.</source>
        <translation>दोबारा कॉल का समय भविष्य में होना चाहिए।</translation>
    </message>
    <message>
        <source>The callback time must be within a year.</source>
        <translation>दोबारा कॉल का समय एक साल के भीतर होना चाहिए।</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>नतीजा</translation>
    </message>
    <message>
        <source>&amp;Notes:</source>
        <translation>टिप्पणी (&amp;N):</translation>
    </message>
    <message>
        <source>Call back at:</source>
        <translation>दोबारा कॉल का समय:</translation>
    </message>
    <message>
        <source>Save (Enter)</source>
        <translation>सहेजें (Enter)</translation>
    </message>
</context>
</TS>
