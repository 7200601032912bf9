<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="hi_IN">
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
    <name>Commands</name>
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
</TS>
