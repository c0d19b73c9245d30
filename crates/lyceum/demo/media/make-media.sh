#!/usr/bin/env bash
# Regenerates the Lyceum demo media in this folder:
#
#   partnership-intro.{webm,mp4,jpg,en.vtt,fr.srt,ar.vtt}
#   wikidata-intro.{webm,mp4,jpg,fr.vtt,en.vtt}
#
# Everything is made from scratch here: solid-colour "slides" with text drawn by
# ffmpeg (DejaVu fonts) and a narration synthesised by espeak-ng. The subtitle
# cue timings are measured from the synthesised speech, so the subtitles always
# match what is said. Made for the Lyceum project; licence CC BY-SA 4.0.
#
# Needs (Debian/Ubuntu): apt-get install -y ffmpeg espeak-ng fonts-dejavu-core
# Usage: bash make-media.sh          (run from anywhere; writes next to itself)
#
# The output is not byte-for-byte reproducible across ffmpeg/espeak-ng versions
# (timings may move by a few milliseconds), but it is equivalent.
set -euo pipefail

cd "$(dirname "$0")"
for tool in ffmpeg ffprobe espeak-ng awk; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
FONT_BOLD=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
[ -f "$FONT" ] && [ -f "$FONT_BOLD" ] || { echo "install fonts-dejavu-core" >&2; exit 1; }

W=640 H=360 FPS=10
LEAD=0.6   # silence before the first sentence (s)
GAP=0.7    # silence between sentences (s)
TAIL=1.2   # minimum silence after the last sentence (s)

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# --- small helpers ---------------------------------------------------------

calc() { awk "BEGIN { printf \"%.3f\", $* }"; }
# Round up to the next 1/FPS so slide boundaries fall on frames.
to_frame() { awk -v t="$1" -v f="$FPS" 'BEGIN { n = int(t * f + 0.5); printf "%.3f", n / f }'; }
# Time stamp: $1 seconds, $2 separator before the milliseconds ("." VTT, "," SRT).
stamp() {
  awk -v t="$1" -v sep="$2" 'BEGIN {
    ms = int(t * 1000 + 0.5)
    printf "%02d:%02d:%02d%s%03d", int(ms / 3600000), int(ms % 3600000 / 60000),
      int(ms % 60000 / 1000), sep, ms % 1000 }'
}
duration() { ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$1"; }

# --- one video ---------------------------------------------------------------
# make_video NAME VOICE SPEED
# reads the arrays HEAD, SUB, COLOR, SAY (one entry per slide / sentence)
# and fills the arrays START, END (cue times in seconds).
make_video() {
  local name=$1 voice=$2 speed=$3
  local n=${#SAY[@]} i t=$LEAD d
  START=() END=()
  : > "$TMP/audio.txt"

  ffmpeg -v error -y -f lavfi -i "anullsrc=r=22050:cl=mono" -t "$LEAD" -c:a pcm_s16le "$TMP/lead.wav"
  ffmpeg -v error -y -f lavfi -i "anullsrc=r=22050:cl=mono" -t "$GAP" -c:a pcm_s16le "$TMP/gap.wav"
  echo "file 'lead.wav'" >> "$TMP/audio.txt"

  for ((i = 0; i < n; i++)); do
    # espeak-ng writes 22050 Hz mono 16-bit WAV; -g adds a short pause between words.
    espeak-ng -v "$voice" -s "$speed" -g 2 -w "$TMP/say$i.raw.wav" "${SAY[$i]}"
    ffmpeg -v error -y -i "$TMP/say$i.raw.wav" -ar 22050 -ac 1 -c:a pcm_s16le "$TMP/say$i.wav"
    d=$(duration "$TMP/say$i.wav")
    START+=("$t"); END+=("$(calc "$t + $d")")
    t=$(calc "$t + $d")
    echo "file 'say$i.wav'" >> "$TMP/audio.txt"
    if ((i < n - 1)); then
      echo "file 'gap.wav'" >> "$TMP/audio.txt"
      t=$(calc "$t + $GAP")
    fi
  done

  # Total length: end of the last sentence + TAIL, on a frame boundary.
  local total tail
  total=$(to_frame "$(calc "$t + $TAIL + 0.05")")
  tail=$(calc "$total - $t")
  ffmpeg -v error -y -f lavfi -i "anullsrc=r=22050:cl=mono" -t "$tail" -c:a pcm_s16le "$TMP/tail.wav"
  echo "file 'tail.wav'" >> "$TMP/audio.txt"
  ffmpeg -v error -y -f concat -safe 0 -i "$TMP/audio.txt" -c:a pcm_s16le "$TMP/$name.wav"

  # Slides: slide i is shown from halfway through the gap before sentence i
  # until halfway through the gap after it.
  local graph="$TMP/$name.filter" from to len labels=""
  : > "$graph"
  for ((i = 0; i < n; i++)); do
    if ((i == 0)); then from=0; else from=$(to_frame "$(calc "${START[$i]} - $GAP / 2")"); fi
    if ((i == n - 1)); then to=$total; else to=$(to_frame "$(calc "${START[$((i + 1))]} - $GAP / 2")"); fi
    len=$(calc "$to - $from")
    printf '%s' "${HEAD[$i]}" > "$TMP/$name.head$i.txt"
    printf '%s' "${SUB[$i]}" > "$TMP/$name.sub$i.txt"
    printf '%s' "Lyceum demo  ·  CC BY-SA 4.0" > "$TMP/footer.txt"
    cat >> "$graph" <<EOF
color=c=${COLOR[$i]}:s=${W}x${H}:r=${FPS}:d=${len},
drawbox=x=0:y=0:w=iw:h=8:color=white@0.35:t=fill,
drawtext=fontfile=${FONT_BOLD}:textfile=$TMP/$name.head$i.txt:expansion=none:fontcolor=white:fontsize=40:x=(w-text_w)/2:y=h*0.36-text_h/2,
drawtext=fontfile=${FONT}:textfile=$TMP/$name.sub$i.txt:expansion=none:fontcolor=white@0.9:fontsize=21:x=(w-text_w)/2:y=h*0.56,
drawtext=fontfile=${FONT}:textfile=$TMP/footer.txt:expansion=none:fontcolor=white@0.6:fontsize=13:x=(w-text_w)/2:y=h-28
[v$i];
EOF
    labels+="[v$i]"
  done
  echo "${labels}concat=n=${n}:v=1:a=0,format=yuv420p[v]" >> "$graph"

  # WebM: VP9 (constant quality) + Opus, mono, low bitrate.
  ffmpeg -v error -y -filter_complex_script "$graph" -i "$TMP/$name.wav" \
    -map '[v]' -map 0:a -c:v libvpx-vp9 -b:v 0 -crf 50 -deadline good -cpu-used 1 \
    -row-mt 1 -g $((FPS * 10)) -pix_fmt yuv420p \
    -c:a libopus -b:a 16k -ac 1 -ar 48000 -application voip \
    -map_metadata -1 -fflags +bitexact "$name.webm"

  # MP4: H.264 Constrained Baseline 3.0 + AAC-LC, mono; moov atom at the front.
  ffmpeg -v error -y -filter_complex_script "$graph" -i "$TMP/$name.wav" \
    -map '[v]' -map 0:a -c:v libx264 -profile:v baseline -level 3.0 -preset veryslow \
    -tune stillimage -crf 32 -g $((FPS * 10)) -pix_fmt yuv420p \
    -c:a aac -b:a 16k -ac 1 -ar 16000 \
    -map_metadata -1 -movflags +faststart -fflags +bitexact "$name.mp4"

  # Poster: the first slide.
  ffmpeg -v error -y -ss 0.5 -i "$name.mp4" -frames:v 1 -q:v 7 "$name.jpg"

  echo "$name: ${total}s"
}

# write_vtt FILE LINES_ARRAY_NAME
write_vtt() {
  local file=$1 i
  local -n lines=$2
  {
    printf 'WEBVTT\n'
    for ((i = 0; i < ${#lines[@]}; i++)); do
      printf '\n%d\n%s --> %s\n%s\n' "$((i + 1))" \
        "$(stamp "${START[$i]}" .)" "$(stamp "$(calc "${END[$i]} + 0.3")" .)" "${lines[$i]}"
    done
  } > "$file"
}

# write_srt FILE LINES_ARRAY_NAME
write_srt() {
  local file=$1 i
  local -n lines=$2
  {
    for ((i = 0; i < ${#lines[@]}; i++)); do
      ((i > 0)) && printf '\n'
      printf '%d\n%s --> %s\n%s\n' "$((i + 1))" \
        "$(stamp "${START[$i]}" ,)" "$(stamp "$(calc "${END[$i]} + 0.3")" ,)" "${lines[$i]}"
    done
  } > "$file"
}

# --- partnership-intro: English narration ------------------------------------

HEAD=("Partnership Building" "Why partners?" "Find and approach" "Agree and sustain" "Let's begin")
SUB=("A short introduction"
     "Libraries · museums · universities"
     "Map who shares your goals"
     "Shared goals, simple agreements"
     "At your own pace")
COLOR=(0x1f3a5f 0x0f5e57 0x4a2c5e 0x6b3a12 0x1f3a5f)
SAY=("Welcome to Partnership Building."
     "Libraries, museums and universities can help volunteers share knowledge."
     "In this course, you will learn how to find partners, and how to make a first approach."
     "You will also learn how to agree on goals, and how to keep a partnership healthy."
     "Let's begin.")
FR=("Bienvenue dans le cours « Construire des partenariats »."
    "Les bibliothèques, les musées et les universités peuvent aider les bénévoles à partager le savoir."
    "Dans ce cours, vous apprendrez à trouver des partenaires et à réussir une première prise de contact."
    "Vous apprendrez aussi à vous accorder sur des objectifs et à faire durer un partenariat."
    "Commençons !")
AR=("مرحبًا بكم في دورة «بناء الشراكات»."
    "يمكن للمكتبات والمتاحف والجامعات أن تساعد المتطوعين على نشر المعرفة."
    "ستتعلمون في هذه الدورة كيف تعثرون على شركاء، وكيف تبادرون بالتواصل الأول معهم."
    "وستتعلمون أيضًا كيف تتفقون على الأهداف، وكيف تحافظون على شراكة سليمة."
    "لنبدأ!")

make_video partnership-intro en-gb 135
write_vtt partnership-intro.en.vtt SAY
write_srt partnership-intro.fr.srt FR   # SRT on purpose: Lyceum converts SRT to WebVTT on import
write_vtt partnership-intro.ar.vtt AR

# --- wikidata-intro: French narration ----------------------------------------

# Two consecutive sentences share the "Des éléments" slide (same text and colour).
HEAD=("Premiers pas sur Wikidata" "Des éléments" "Des éléments" "Des déclarations" "À vous de jouer")
SUB=("Une courte introduction"
     "Chaque élément a un identifiant : Q…"
     "Chaque élément a un identifiant : Q…"
     "propriété + valeur + référence"
     "Ajoutez une déclaration sourcée")
COLOR=(0x0f5e57 0x1f3a5f 0x1f3a5f 0x4a2c5e 0x0f5e57)
SAY=("Bienvenue dans ce cours sur Wikidata."
     "Wikidata décrit le monde avec des éléments."
     "Chaque élément a un identifiant, qui commence par la lettre Q."
     "Un élément porte des déclarations : une propriété, une valeur, et si possible, une référence."
     "À la fin du cours, vous saurez ajouter vous-même une déclaration sourcée.")
EN=("Welcome to this course about Wikidata."
    "Wikidata describes the world with items."
    "Every item has an identifier that starts with the letter Q."
    "An item carries statements: a property, a value and, where possible, a reference."
    "By the end of the course, you will be able to add a referenced statement yourself.")

make_video wikidata-intro fr-fr 130
write_vtt wikidata-intro.fr.vtt SAY
write_vtt wikidata-intro.en.vtt EN

ls -l ./*.webm ./*.mp4 ./*.jpg ./*.vtt ./*.srt
