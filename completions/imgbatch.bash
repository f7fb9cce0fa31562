# bash completion for imgbatch(1): commands, each command's options, the values
# of --format, --fail-on, --op, --chroma and --crop, and files and directories for INPUT, OUTPUT
# and the options that name a file.  Installed as
# share/bash-completion/completions/imgbatch.

_imgbatch()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local commands="resize grayscale sepia thumbnail convert bench report"
    # The options every command takes, those of the runs (not bench), and bench's own:
    # the split imgbatch COMMAND --help shows.
    local common="--jobs --quality --format --recursive --suffix --quiet --json --no-rotate
                  --keep --keep-metadata --timeout --max-pixels --max-memory --fail-on --help
                  --version --effort --lossless --progressive --chroma --png-compression
                  --palette --keep-original-if-smaller"
    local runs="--incremental --retry-failed --prune --wait --state-dir --stats-file
                --metrics-file --progress --no-progress --dry-run --files-from --null --shard
                --name --manifest"
    local bench="--op --procs --repeat --csv --plot"

    if ((COMP_CWORD == 1)); then
        mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
        return
    fi
    case $prev in
    -f | --format)
        mapfile -t COMPREPLY < <(compgen -W "auto jpeg png webp tiff gif avif jxl" -- "$cur")
        return
        ;;
    --chroma)
        mapfile -t COMPREPLY < <(compgen -W "420 444 auto" -- "$cur")
        return
        ;;
    --crop)
        mapfile -t COMPREPLY < <(compgen -W "centre attention entropy top bottom left right" -- "$cur")
        return
        ;;
    --fail-on)
        mapfile -t COMPREPLY < <(compgen -W "none truncated error warning" -- "$cur")
        return
        ;;
    --keep)
        mapfile -t COMPREPLY < <(compgen -W "exif gps xmp icc iptc all none exif,gps exif,xmp" -- "$cur")
        return
        ;;
    --op)
        # A comma list (resize,thumbnail): the operation after the last comma.
        local given=""
        [[ $cur == *,* ]] && given=${cur%,*},
        mapfile -t COMPREPLY < <(compgen -P "$given" -W "resize grayscale sepia thumbnail convert" \
            -- "${cur##*,}")
        return
        ;;
    --stats-file | --metrics-file | --files-from | --csv | --plot | --manifest)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return
        ;;
    --state-dir)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return
        ;;
    -j | --jobs | -s | --size | -q | --quality | --suffix | --timeout | --max-pixels | \
        --max-memory | --shard | --procs | --repeat | --effort | --png-compression | --name)
        return # a number or a name of the user's own: nothing to offer
        ;;
    esac
    if [[ $cur == -* ]]; then
        local opts=$common
        case ${COMP_WORDS[1]} in
        resize) opts="$opts --size $runs" ;;
        thumbnail) opts="$opts --size --crop $runs" ;;
        grayscale | greyscale | sepia | convert) opts="$opts $runs" ;;
        bench) opts="$opts --size $bench" ;;
        report) opts="--json --help --version" ;; # it adds up stats files, nothing more
        esac
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        return
    fi
    # INPUTs (directories or images) and OUTPUT (a directory, or one image file).
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -F _imgbatch imgbatch
