// Package printspool purges a session user's print jobs from the local CUPS
// scheduler (threat case C10): a document the user printed stays in the
// spool (its d* file, kept by PreserveJobFiles) and its job in the history
// (lpstat -W completed) after the user left, where the next user, or anyone
// who reads the spool, finds it.
//
// It speaks IPP to cupsd itself, with a small encoder of its own, because
// the CUPS command-line tools cannot do this one thing: "cancel -a -x"
// purges finished jobs, but those of every user, and no "-u" form purges one
// user's finished jobs ("cancel -x JOB-ID" refuses a finished job, CUPS
// 2.4.2). Nor are spool files deleted behind the scheduler's back: cupsd
// holds each job in memory and in its job cache, so it would go on listing
// the job (title, user, time) with a document gone missing under it; only a
// purge through the scheduler removes the job, its history and its files
// together.
package printspool
