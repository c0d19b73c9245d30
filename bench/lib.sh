# Shell functions bench/run.sh and bench/scale.sh share (sourced).

# wrk's setup giving each of its threads a number, `tid` (0, 1, …), for scripts that
# split their requests between threads.
lua_thread_ids() {
  cat <<'LUA'
local made = 0
function setup(thread)
  thread:set("tid", made)
  made = made + 1
end
LUA
}

# wrk's script for problem submissions: each wrk thread answers its own half of the
# graded course's 200 problems in turn, with answers that change every round, so every
# request grades and stores a new attempt. From the seed's quiz-problems.txt in DIR.
submit_lua() { # site-dir out
  {
    echo "local problems = {"
    while read -r block input kind; do echo "  {$block, \"$input\", \"$kind\"},"; done < "$1/quiz-problems.txt"
    echo "}"
    lua_thread_ids
    cat <<'LUA'
function init(args)
  n = 0
  per = math.floor(#problems / 2)
  wrk.headers["Content-Type"] = "application/json"
end
local options = {"CC0", "CC BY-SA", "GFDL"}
function request()
  n = n + 1
  local p = problems[tid * per + (n % per) + 1]
  local round = math.floor(n / per)
  local v
  if p[3] == "radio" then v = '"choice_' .. (round % 3) .. '"'
  elseif p[3] == "checkbox" then v = '["choice_' .. (round % 4) .. '"]'
  elseif p[3] == "select" then v = '"' .. options[(round % 3) + 1] .. '"'
  elseif p[3] == "number" then v = '"' .. (790 + round % 30) .. '"'
  else v = '"answer ' .. round .. '"' end
  return wrk.format("POST", "/api/v1/problems/" .. p[1] .. "/submit", nil, '{"answers":{"' .. p[2] .. '":' .. v .. '}}')
end
LUA
  } > "$2"
}
