"""Local audio: devices (PortAudio bridge, file/tone, null), ringer, device selection."""
