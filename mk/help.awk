# `make help`: the public targets (`target: … ## [group] what it does`) by group, in the order of
# GROUPS; with ALL=1 also the parts they are made of (targets with a plain `## what`).
BEGIN { FS = ":.*## "; n_groups = split(GROUPS, order, " ") }
/^[a-zA-Z0-9_.-]+:.*## / {
  target = $1; text = $2; group = "parts"
  if (target == "help") next
  if (match(text, /^\[[a-z-]+\] /)) {
    group = substr(text, 2, RLENGTH - 3)
    text = substr(text, RLENGTH + 1)
  }
  count[group]++
  line[group, count[group]] = sprintf("  %-18s %s", target, text)
}
END {
  print "make <target>   (make help ALL=1: also the " count["parts"] " targets these are made of)"
  if (ALL != "") order[++n_groups] = "parts"
  for (i = 1; i <= n_groups; i++) {
    group = order[i]
    printf "\n%s:\n", group
    for (j = 1; j <= count[group]; j++) print line[group, j]
  }
}
