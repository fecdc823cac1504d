#!/bin/sh
# Writes the dataset harness's seed corpus (tests/fuzz/corpus/dataset/):
# the first byte of each input picks the mode (bit 0 words, bit 1 a
# max_tokens cut, bit 2 min_freq 2, bit 3 a validation split, bit 4 a zip
# archive with member m.txt), the rest is the file. The zip is made with
# Python's zipfile (any python3). Run from the repository root.
set -eu
out=tests/fuzz/corpus/dataset
mkdir -p "$out"
text=$(head -c 600 data/timemachine.txt)
printf '\000%s' "$text" > "$out/chars"
printf '\001%s' "$text" > "$out/words"
printf '\017%s' "$text" > "$out/words-cut-minfreq-valid"
printf '\000caf\303\251 \344\270\255\346\226\207 \360\237\231\202\r\n' > "$out/utf8"
python3 - "$out/zip" "$text" <<'PY'
import io, sys, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("m.txt", sys.argv[2])
open(sys.argv[1], "wb").write(b"\x10" + buf.getvalue())
PY
