# Sourced by the Slurm job scripts and their submit scripts: reads the settings (RS_* keys) from
# jobs/slurm/defaults.conf, then a config file, then the environment (that order of precedence).
# shellcheck shell=bash

rs_die() {
  echo "ropescale-job: error: $*" >&2
  exit 1
}

# Keys whose values are paths (RS_EVAL_MODELS: a list of paths).
RS_PATH_KEYS=(RS_RUNS_DIR RS_RUN_DIR RS_MODEL RS_CORPUS RS_TRAIN_DATA RS_FACTORS RS_EVAL_MODELS)

# rs_parse_config FILE ALLOW_NEW: every KEY=value line of FILE into RS_VALUE[KEY], its source
# into RS_FROM[KEY] (the file). ALLOW_NEW=0: a key not already known is an error.
rs_parse_config() {
  local file=$1 allow_new=$2 number=0 line key value
  [[ -f $file && -r $file ]] || rs_die "config $file: no such readable file"
  while IFS= read -r line || [[ -n $line ]]; do
    number=$((number + 1))
    line=${line#"${line%%[![:space:]]*}"}
    [[ -z $line || $line == \#* ]] && continue
    [[ $line =~ ^(RS_[A-Z0-9_]+)=(.*)$ ]] ||
      rs_die "config $file line $number: expected RS_KEY=value, got: $line"
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    if [[ $value =~ ^\"([^\"]*)\"[[:space:]]*(#.*)?$ || $value =~ ^\'([^\']*)\'[[:space:]]*(#.*)?$ ]]; then
      value=${BASH_REMATCH[1]}
    else
      [[ $value =~ ^[\"\'] ]] && rs_die "config $file line $number: unbalanced quote in $key"
      value=${value%%[[:space:]]#*}
      value=${value%"${value##*[![:space:]]}"}
    fi
    [[ $allow_new == 1 || -v "RS_VALUE[$key]" ]] ||
      rs_die "config $file line $number: unknown key $key (the keys: $RS_DEFAULTS)"
    RS_VALUE[$key]=$value
    RS_FROM[$key]=$file
  done < "$file"
}

# rs_resolve_path VALUE FROM: an absolute path; relative ones are taken from the ropescale folder
# for the defaults, from the working folder (where the job was submitted) otherwise.
rs_resolve_path() {
  local value=$1 from=$2
  if [[ -z $value || $value == /* ]]; then
    echo "$value"
  elif [[ $from == "$RS_DEFAULTS" ]]; then
    echo "$RS_ROOT/$value"
  else
    echo "$PWD/$value"
  fi
}

# rs_load_config ROOT [CONFIG]: sets every RS_* key as a shell variable (defaults < CONFIG <
# environment) and RS_FROM[KEY] to where its value came from. RS_CONFIG = CONFIG, absolute.
rs_load_config() {
  RS_ROOT=$1
  RS_CONFIG=${2:-}
  RS_DEFAULTS=$RS_ROOT/jobs/slurm/defaults.conf
  declare -gA RS_VALUE=() RS_FROM=()
  rs_parse_config "$RS_DEFAULTS" 1
  if [[ -n $RS_CONFIG ]]; then
    [[ $RS_CONFIG == /* ]] || RS_CONFIG=$PWD/$RS_CONFIG
    rs_parse_config "$RS_CONFIG" 0
  fi
  local key name item
  local -a items resolved
  for name in $(compgen -e); do
    [[ $name == RS_* && $name != RS_CONFIG ]] || continue
    if [[ -v "RS_VALUE[$name]" ]]; then
      RS_VALUE[$name]=${!name}
      RS_FROM[$name]=environment
    else
      echo "ropescale-job: warning: environment variable $name is no setting (ignored)" >&2
    fi
  done
  for key in "${RS_PATH_KEYS[@]}"; do
    resolved=()
    IFS=, read -ra items <<< "${RS_VALUE[$key]}"
    for item in "${items[@]}"; do resolved+=("$(rs_resolve_path "$item" "${RS_FROM[$key]}")"); done
    RS_VALUE[$key]=$(IFS=,; echo "${resolved[*]}")
  done
  for key in "${!RS_VALUE[@]}"; do printf -v "$key" '%s' "${RS_VALUE[$key]}"; done
}

# rs_write_settings FILE: the settings in effect as a config file (atomic), each with its source.
rs_write_settings() {
  local file=$1 key
  {
    echo "# settings in effect (defaults < config < environment); usable as a config file"
    for key in $(printf '%s\n' "${!RS_VALUE[@]}" | sort); do
      printf '%s=%s  # from %s\n' "$key" "${RS_VALUE[$key]}" "${RS_FROM[$key]}"
    done
  } > "$file.tmp.$$" && mv "$file.tmp.$$" "$file"
}

# rs_require_int KEY...: each key's value is a whole number >= 0.
rs_require_int() {
  local key
  for key; do
    [[ ${!key} =~ ^[0-9]+$ ]] || rs_die "$key=${!key} (from ${RS_FROM[$key]}): expected a whole number"
  done
}

# rs_array_size: the number of (seed, target length) pairs of an array job: RS_SEEDS x RS_TARGET_LENS.
rs_array_size() {
  local -a seeds targets
  IFS=, read -ra seeds <<< "${RS_SEEDS:-$RS_SEED}"
  IFS=, read -ra targets <<< "${RS_TARGET_LENS:-$RS_TARGET_LEN}"
  echo $((${#seeds[@]} * ${#targets[@]}))
}

# rs_apply_array_task INDEX: RS_SEED and RS_TARGET_LEN of array task INDEX: seed INDEX mod (number
# of seeds), target INDEX div (number of seeds).
rs_apply_array_task() {
  local index=$1 size
  local -a seeds targets
  IFS=, read -ra seeds <<< "${RS_SEEDS:-$RS_SEED}"
  IFS=, read -ra targets <<< "${RS_TARGET_LENS:-$RS_TARGET_LEN}"
  size=$((${#seeds[@]} * ${#targets[@]}))
  ((index < size)) || rs_die "array task $index: RS_SEEDS x RS_TARGET_LENS give only $size" \
    "tasks (--array=0-$((size - 1)))"
  RS_VALUE[RS_SEED]=${seeds[index % ${#seeds[@]}]}
  RS_VALUE[RS_TARGET_LEN]=${targets[index / ${#seeds[@]}]}
  RS_FROM[RS_SEED]="array task $index"
  RS_FROM[RS_TARGET_LEN]="array task $index"
  RS_SEED=${RS_VALUE[RS_SEED]}
  RS_TARGET_LEN=${RS_VALUE[RS_TARGET_LEN]}
}
