# fish completion for imgbatch(1): commands, each command's options, the values
# of --format, --fail-on, --op, --chroma and --crop, and files and directories.  Installed in
# share/fish/vendor_completions.d.

set -l commands resize grayscale greyscale sepia thumbnail convert bench
# report takes files and --json only: none of the options below.
set -l all $commands report
set -l runs '__fish_seen_subcommand_from resize grayscale greyscale sepia thumbnail convert'
set -l boxes '__fish_seen_subcommand_from resize thumbnail bench'
set -l bench '__fish_seen_subcommand_from bench'
set -l thumbnail '__fish_seen_subcommand_from thumbnail'

# No file names before the command; INPUTs and OUTPUT after it.
complete -c imgbatch -f
complete -c imgbatch -n "__fish_seen_subcommand_from $all" -F

complete -c imgbatch -n "not __fish_seen_subcommand_from $all" -a resize -d 'fit inside WxH, keep aspect, never enlarge'
complete -c imgbatch -n "not __fish_seen_subcommand_from $all" -a grayscale -d 'full size, luminance only'
complete -c imgbatch -n "not __fish_seen_subcommand_from $all" -a sepia -d 'full size, sepia tone'
complete -c imgbatch -n "not __fish_seen_subcommand_from $all" -a thumbnail -d 'fill WxH exactly, centre crop'
complete -c imgbatch -n "not __fish_seen_subcommand_from $all" -a convert -d 'full size, another format, upright, sRGB'
complete -c imgbatch -n "not __fish_seen_subcommand_from $all" -a bench -d 'images/s against the number of processes'
complete -c imgbatch -n "not __fish_seen_subcommand_from $all" -a report -d "add up the stats files of a split run's shards"
complete -c imgbatch -n '__fish_seen_subcommand_from report' -l json -d "the failed files' records, then a summary object"

complete -c imgbatch -s h -l help -d 'show the help (of the command, after one)'
complete -c imgbatch -s V -l version -d 'show the version and the libraries'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -s j -l jobs -x -d 'worker processes'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -s q -l quality -x -d "quality 1..100 on JPEG's scale"
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -s f -l format -x -a 'auto jpeg png webp tiff gif avif jxl' -d 'output format'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -s r -l recursive -d 'descend into subdirectories'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l suffix -x -d 'insert S before the output extension'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l quiet -d 'nothing but failures'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l json -d 'one JSON object per file, then a summary'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l no-rotate -d 'ignore the EXIF orientation'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l keep -x -a 'exif gps xmp icc iptc all none' -d 'keep these kinds of metadata'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l keep-metadata -d 'keep EXIF and XMP metadata'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l timeout -x -d 'fail a file that takes longer (seconds)'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l max-pixels -x -d 'refuse inputs above MP megapixels'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l max-memory -x -d "limit each worker's memory (MB)"
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l fail-on -x -a 'none truncated error warning' -d 'damage that fails a file'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l effort -x -a '0 1 2 3 4 5 6 7 8 9' -d 'CPU spent making WebP, AVIF, JPEG XL smaller'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l lossless -d 'WebP, AVIF and JPEG XL without loss'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l progressive -d 'progressive JPEG, interlaced PNG'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l chroma -x -a '420 444 auto' -d 'JPEG and AVIF chroma subsampling'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l png-compression -x -a '0 1 2 3 4 5 6 7 8 9' -d "PNG's zlib level"
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l palette -d 'PNG of at most 256 colours'
complete -c imgbatch -n "__fish_seen_subcommand_from $commands" -l keep-original-if-smaller -d "write the input's bytes where the output would be larger"

complete -c imgbatch -n $boxes -s s -l size -x -d 'target box WxH, or a list: 1920x,1280x,640x'
complete -c imgbatch -n $thumbnail -l crop -x -a 'centre attention entropy top bottom left right' -d 'where the box is cut'

complete -c imgbatch -n $runs -l incremental -d 'skip files whose output is up to date'
complete -c imgbatch -n $runs -l retry-failed -d 'with --incremental, redo the files that failed before'
complete -c imgbatch -n $runs -l prune -d 'with --incremental, remove the outputs of inputs that are gone'
complete -c imgbatch -n $runs -l wait -d 'if another run holds OUTPUT, wait for it (--wait=SECONDS: at most that long)'
complete -c imgbatch -n $runs -l state-dir -x -a '(__fish_complete_directories)' -d 'keep the lock and the state in DIR, not in OUTPUT'
complete -c imgbatch -n $runs -l stats-file -r -F -d 'write the summary as JSON'
complete -c imgbatch -n $runs -l metrics-file -r -F -d 'write the summary for Prometheus'
complete -c imgbatch -n $runs -l progress -d 'show the progress line even if not a terminal'
complete -c imgbatch -n $runs -l no-progress -d 'never show the progress line'
complete -c imgbatch -n $runs -s n -l dry-run -d 'list what would be processed; write nothing'
complete -c imgbatch -n $runs -l files-from -r -F -d 'process the files listed in F'
complete -c imgbatch -n $runs -s 0 -l null -d 'names in the --files-from list end with NUL'
complete -c imgbatch -n $runs -l shard -x -d 'process only shard K of N'
complete -c imgbatch -n $runs -l name -x -d 'name the outputs: {name} {ext} {dir} {width} {height} {format}'
complete -c imgbatch -n $runs -l manifest -r -F -d 'write every output as JSON, per input'

complete -c imgbatch -n $bench -l op -x -a 'resize grayscale sepia thumbnail convert' -d 'operations to measure, separated by commas'
complete -c imgbatch -n $bench -l procs -x -d 'process counts to try, e.g. 1,2,4,8'
complete -c imgbatch -n $bench -l repeat -x -d 'runs per process count'
complete -c imgbatch -n $bench -l csv -r -F -d 'also write the table as CSV'
complete -c imgbatch -n $bench -l plot -r -F -d 'draw images/s against processes (SVG)'
