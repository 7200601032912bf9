"""SIP: the SipEngine facade; the only package that imports pjsua2."""
