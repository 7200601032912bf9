#!/bin/sh
# Regenerate the demo callee's prompts (resources/sounds/*.wav).
#
# Dev-only tools (Debian): espeak-ng sox. The WAVs are committed, so users and CI never need
# them. Output: 16 kHz, mono, 16-bit PCM WAV (the engine's clock rate).
#
#   greeting.wav        Hindi + English welcome played when the demo callee answers
#   dtmf_<key>.wav      "you pressed <key>" (Hindi + English), key = 0-9, star, hash, a-d
#
# Usage: sh resources/sounds/make_prompts.sh   (from anywhere)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# speak VOICE TEXT OUT: synthesise TEXT with espeak-ng and convert to 16 kHz mono s16.
speak() {
    espeak-ng -v "$1" -s 150 -w "$tmp/raw.wav" "$2"
    sox "$tmp/raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$3" norm -3
}

# join OUT IN...: concatenate with 300 ms of silence between parts.
join() {
    out=$1
    shift
    sox -n -r 16000 -c 1 -b 16 -e signed-integer "$tmp/gap.wav" trim 0 0.3
    args=""
    for part in "$@"; do
        args="$args $part $tmp/gap.wav"
    done
    # shellcheck disable=SC2086
    sox $args "$out"
}

speak hi "नमस्ते! संपर्क डेमो में आपका स्वागत है। कोई भी अंक दबाइए।" "$tmp/greet_hi.wav"
speak en "Hello! Welcome to the Sampark demo. Press any key on the dial pad." "$tmp/greet_en.wav"
join "$here/greeting.wav" "$tmp/greet_hi.wav" "$tmp/greet_en.wav"

# key file-suffix hindi-word english-word
while read -r key hi en; do
    speak hi "आपने $hi दबाया" "$tmp/d_hi.wav"
    speak en "You pressed $en" "$tmp/d_en.wav"
    join "$here/dtmf_$key.wav" "$tmp/d_hi.wav" "$tmp/d_en.wav"
done <<'KEYS'
0 शून्य zero
1 एक one
2 दो two
3 तीन three
4 चार four
5 पाँच five
6 छह six
7 सात seven
8 आठ eight
9 नौ nine
star स्टार star
hash हैश hash
a ए A
b बी B
c सी C
d डी D
KEYS

echo "wrote $(ls "$here"/*.wav | wc -l) prompts to $here"
