# sandbox4j resident runner: starts programs in the box without an engine exec per run, enforces their deadline and
# kills whatever a run leaves behind. Runs as the sandbox user (the same uid as the programs it starts), with perl-base
# only (every Debian image has it).
#
# Started as `perl -e SCRIPT MODE SPARE`: MODE "box" (or "box-clean") means it runs in a box of its own (a PID
# namespace where the sandbox uid has nothing but untrusted processes), the only place where it may kill every process
# of its uid; any other MODE (host tests) never kills anything but the programs it started. SPARE is a pid whose
# process tree is left alone (a stateful session's kernel), or 0.
#
# Protection: before it reads anything it makes itself non-dumpable (prctl PR_SET_DUMPABLE 0), so processes of its
# uid can neither ptrace it nor open its descriptors through /proc/<pid>/fd (the channel to the host). In "box-clean"
# mode (a runner replacing one that died, where leftovers of runs may be waiting) it then kills every other process
# of its uid outside SPARE's tree, so nothing that watched it start keeps a descriptor opened in the moment before.
# After every run it kills what the run left behind (daemons, background children), so no run can reach the next one.
#
# A fork server (zygote: the Python plug-in's lang/sandbox4j_zygote.py) can be started beside it: a Python process
# that imported the data stack once and forks a child per stateless run. The runner owns it (its channel is a pipe
# pair only they hold), spares it in every kill, and relays its children's output through FIFOs it creates per run in
# a private directory.
#
# Host -> runner, on stdin: requests of u32 count, then count fields of (u32 length, bytes):
#   run OPTIONS WORKDIR STDIN ARGC ARGV... ENV... [NAME CONTENT]...
#       OPTIONS: "timeout_ms=N\ncpu_ms=C\nspare=PID\nzygote=1\nenvc=M\nrundir=D\noutdir=O\n" (each optional). Without
#       zygote the program is exec'd (the image's environment with the request's "K=V" on top); with zygote=1 the
#       fork server runs it, ENV is envc entries followed by the program's files (name, content pairs), which it
#       writes into rundir (emptying outdir) before the program starts, as the launcher would. cpu_ms bounds the
#       CPU time of the run's processes together (polled from /proc; RLIMIT_CPU a second later per exec'd process
#       backstops a runner that cannot poll): past it the run is killed (killed=cpu).
#       With "capture=1" the run also reports its output directory: outdir is emptied before the program starts
#       (by the runner, or by the fork server), and after the X (or F) come the directory's entries (A, C) and an L.
#       "cap_files=N\ncap_bytes=B" bound what is read back.
#   capture OPTIONS                                report outdir now, as after a run (a kernel's cell): A, C..., L
#   kill SPARE                                     kill every process of the uid outside SPARE's tree (and the
#                                                  program of a run in progress, which then ends)
#   zygote ARGC ARGV... ENV...                     start the fork server (answered with Z when it is ready)
# Runner -> host, on stdout, frames of (1 type byte, u32 length, payload), big-endian:
#   R "pid=P dumpable=0|1 kill=0|1"   ready (sent once at start; dumpable=1: prctl failed, do not trust this runner)
#   O bytes        the program's stdout
#   E bytes        the program's stderr
#   X "code=N[ killed=timeout|host|cpu][ left=N] cpu_ms=U+S[ maxrss_kb=K][ zygote=dead] wall_us=W teardown_us=T[ run_cpu_ms=C]"
#                  the program exited (N = exit code, 128+signal when killed by a signal); killed says who
#                  stopped it; left is how many processes survived the kill of leftovers (0 = clean); cpu and peak
#                  memory are the program's (and of the children it waited for); W is its wall time (from its start
#                  to its exit), T the kill of its leftovers and the drain of its output after that; C the CPU time
#                  of all the run's processes as last polled (with cpu_ms only)
#   F message      the program could not be started (no X follows)
#   K "left=N"     answer to a kill request (after the X of a run it ended)
#   Z "ready pid=P" | "failed MESSAGE"   the fork server's state
#   A "T SIZE NAME"  an entry of the output directory (NAME relative, "/"-separated, raw bytes): T is f (a regular
#                  file: exactly SIZE bytes of it follow in C frames), l (a symbolic link, not followed), s (a file
#                  beyond cap_files/cap_bytes, not read), u (a file that could not be opened), o (not a regular file,
#                  directory or link), m (more entries than the runner lists: the listing stopped)
#   C bytes        the content of the last A "f" entry, in pieces of up to 64 KiB
#   L "entries=N"  the end of a report (after an F: "entries=0")
# One run at a time: the next request is read after the X (or F) of the previous one; during a run only "kill" is read.
use strict;
use warnings;
use POSIX ();
use Fcntl ();
use IO::Handle ();

binmode STDIN;
binmode STDOUT;
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = sub { };    # a child's exit interrupts select() at once

my $MODE = $ARGV[0] // '';
my $START_SPARE = ($ARGV[1] // 0) + 0;
my $TICK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;
my $MACHINE = (POSIX::uname())[4];

# system call numbers per machine (perl-base has neither prctl nor wait4 of its own)
my %PRCTL = (x86_64 => 157, aarch64 => 167, riscv64 => 167, ppc64le => 171, ppc64 => 171, s390x => 172,
    armv7l => 172, armv6l => 172, i686 => 172, i386 => 172);
my %WAIT4 = (x86_64 => 61, aarch64 => 260, riscv64 => 260);
my %CLOCK_GETTIME = (x86_64 => 228, aarch64 => 113, riscv64 => 113);
my %PRLIMIT64 = (x86_64 => 302, aarch64 => 261, riscv64 => 261);

sub undumpable {
    my $nr = $PRCTL{$MACHINE};
    return 0 unless defined $nr;
    return 0 unless syscall($nr, 4, 0, 0, 0, 0) == 0;    # PR_SET_DUMPABLE 0
    return syscall($nr, 3, 0, 0, 0, 0) == 0;              # PR_GET_DUMPABLE
}

# Killing every process of the uid is only safe inside a box, and never as root.
my $may_kill = ($MODE eq 'box' || $MODE eq 'box-clean') && $< != 0 && $> != 0;

# seconds on a monotonic clock (clock ticks since boot)
sub now { return (POSIX::times())[0] / $TICK; }

# seconds on the monotonic clock to the microsecond (clock_gettime; clock ticks where there is no syscall number)
sub mono {
    my $nr = $CLOCK_GETTIME{$MACHINE};
    return now() unless defined $nr;
    my $ts = "\0" x 16;
    return now() unless syscall($nr, 1, $ts) == 0;    # CLOCK_MONOTONIC
    my ($sec, $nsec) = unpack('q2', $ts);
    return $sec + $nsec / 1e9;
}

sub take {
    my ($fh, $n) = @_;
    my $buf = '';
    while (length($buf) < $n) {
        my $r = sysread($fh, $buf, $n - length($buf), length($buf));
        if (!defined $r) {
            next if $!{EINTR};
            return undef;
        }
        return undef if $r == 0;
    }
    return $buf;
}

sub write_all {
    my ($fh, $m) = @_;
    my $off = 0;
    while ($off < length $m) {
        my $w = syswrite($fh, $m, length($m) - $off, $off);
        if (!defined $w) {
            next if $!{EINTR};
            return 0;
        }
        $off += $w;
    }
    return 1;
}

sub send_frame {
    my ($type, $payload) = @_;
    write_all(\*STDOUT, $type . pack('N', length $payload) . $payload) or bye();    # the host is gone
}

sub read_request {
    my ($fh) = @_;
    my $h = take($fh, 4);
    return () unless defined $h;
    my $count = unpack('N', $h);
    my @fields;
    for (1 .. $count) {
        my $l = take($fh, 4);
        return () unless defined $l;
        my $len = unpack('N', $l);
        my $v = $len ? take($fh, $len) : '';
        return () unless defined $v;
        push @fields, $v;
    }
    return @fields;
}

sub encode {
    return join('', pack('N', scalar @_), map { pack('N', length $_) . $_ } @_);
}

sub options {
    my %o;
    for my $kv (split /\n/, $_[0]) {
        my $i = index($kv, '=');
        $o{substr($kv, 0, $i)} = substr($kv, $i + 1) if $i > 0;
    }
    return %o;
}

# exit statuses and resource usage of reaped children, by pid
my (%reaped, %usage);

# wait4 through syscall (perl's waitpid has no resource usage): (pid, status, "cpu_ms=U+S maxrss_kb=K")
sub wait4 {
    my ($pid, $flags) = @_;
    my $nr = $WAIT4{$MACHINE};
    if (!defined $nr) {
        my $k = waitpid($pid, $flags);
        return ($k, $?, '');
    }
    my $st = pack('i', 0);
    my $ru = "\0" x 256;
    my $k = syscall($nr, $pid, $st, $flags, $ru);
    return ($k, 0, '') if $k <= 0;
    my ($us, $uu, $ss, $su, $maxrss) = unpack('q5', $ru);
    return ($k, unpack('i', $st), 'cpu_ms=' . int($us * 1000 + $uu / 1000) . '+' . int($ss * 1000 + $su / 1000)
        . " maxrss_kb=$maxrss");
}

sub reap {
    while (1) {
        my ($k, $st, $ru) = wait4(-1, POSIX::WNOHANG());
        last if $k <= 0;
        $reaped{$k} = $st;
        $usage{$k} = $ru;
    }
}

# [pid, ppid] of every live process of our uid but us (zombies are dead; session 1 is a Pod's own init and its
# children, started before any exec, which no process of ours can join)
sub processes {
    my @p;
    opendir(my $d, '/proc') or return ();
    for my $e (readdir $d) {
        next unless $e =~ /^[0-9]+$/ && $e != $$ && $e != 1;    # kill(-1) never signals init
        # the uid from status, not the directory's owner: a non-dumpable process shows as root's
        open(my $s, '<', "/proc/$e/status") or next;
        my $uid;
        while (my $l = <$s>) {
            if ($l =~ /^Uid:\s+(\d+)\s+(\d+)/) { $uid = ($1 == $< || $2 == $<) ? 1 : 0; last; }
        }
        close $s;
        next unless $uid;
        open(my $f, '<', "/proc/$e/stat") or next;
        my $line = <$f>;
        close $f;
        next unless defined $line;
        my ($state, $ppid, $pgrp, $sid, @f) = split / /, substr($line, rindex($line, ')') + 2), 16;    # to cstime
        next if !defined $sid || $state eq 'Z' || $state eq 'X' || $sid == 1;
        push @p, [$e + 0, $ppid + 0, ($f[7] // 0) + ($f[8] // 0) + ($f[9] // 0) + ($f[10] // 0)];
    }
    closedir $d;
    return @p;
}

# pids of the tree rooted at $root among @p
sub tree {
    my ($root, @p) = @_;
    my %s;
    return %s unless $root;
    my %kids;
    push @{$kids{$_->[1]}}, $_->[0] for @p;
    my @q = ($root);
    while (@q) {
        my $x = shift @q;
        next if $s{$x}++;
        push @q, @{$kids{$x} || []};
    }
    return %s;
}

my $zygote = 0;    # pid of the fork server, spared by every kill (its children are not, once it is ready)
my ($z_req, $z_rep, $z_ready) = (undef, undef, 0);

# What of the fork server a kill spares: the fork server, and until it is ready its whole tree (its warm-up run: no
# program's process can be in that tree, as the fork server forks no run before it is ready).
sub spare_zygote {
    my ($s, @p) = @_;
    return unless $zygote;
    if ($z_ready) {
        $s->{$zygote} = 1;
    } else {
        my %t = tree($zygote, @p);
        $s->{$_} = 1 for keys %t;
    }
}

# Kills every process of our uid but the tree of $spare and the fork server: all of them are stopped first with
# kill(-1) (one step: a fork in progress is cancelled by the pending signal, and a fork bomb stops at once, before
# this process, left a sliver of the CPU, reads /proc), the others are killed, and what is spared continues. Returns how
# many survived (0 = clean). Outside a box it kills only $only (the program of a run).
sub kill_others {
    my ($spare, $only) = @_;
    if (!$may_kill) {
        if ($only) { kill('KILL', -$only); kill('KILL', $only); }
        return 0;
    }
    my $left = 0;
    for my $round (1 .. 500) {
        kill('STOP', -1);
        my @p = processes();
        my %s = tree($spare, @p);
        spare_zygote(\%s, @p);
        my @victims = map { $_->[0] } grep { !$s{$_->[0]} } @p;
        if (!%s) {
            kill('KILL', -1);
        } elsif (@victims) {
            kill('KILL', @victims);
        }
        kill('CONT', keys %s) if %s;
        reap();
        return 0 unless @victims;
        $left = scalar @victims;
        select(undef, undef, undef, 0.002) if $round > 3;
    }
    return $left;
}

# The box's OOM-kill counter (cgroup v2 memory.events or v1 memory.oom_control, readable in the box's own cgroup
# namespace), or -1: sent with a failed run's exit so the host need not ask the engine whether the OOM killer struck.
sub oom_kills {
    for my $f ('/sys/fs/cgroup/memory.events', '/sys/fs/cgroup/memory/memory.oom_control') {
        open(my $h, '<', $f) or next;
        while (my $l = <$h>) {
            if ($l =~ /^oom_kill (\d+)/) { close $h; return $1 + 0; }
        }
        close $h;
    }
    return -1;
}

sub bye {
    POSIX::_exit(0);
}

# CPU time (ms) of a run's live processes, each with the children it reaped: in a box every process of our uid but
# $spare's tree and the fork server, else the tree of $root.
sub run_cpu_ms {
    my ($spare, $root) = @_;
    my @p = processes();
    my %in;
    if ($may_kill) {
        my %s = tree($spare, @p);
        spare_zygote(\%s, @p);
        %in = map { $_->[0] => 1 } grep { !$s{$_->[0]} } @p;
    } else {
        %in = tree($root, @p);
    }
    my $ticks = 0;
    $ticks += $_->[2] for grep { $in{$_->[0]} } @p;
    return int($ticks * 1000 / $TICK);
}

# RLIMIT_CPU of this process (before exec): SIGXCPU a second past the run's CPU limit, SIGKILL a second later
sub limit_cpu {
    my ($ms) = @_;
    my $nr = $PRLIMIT64{$MACHINE};
    return unless $ms && defined $nr;
    my $soft = int(($ms + 999) / 1000) + 1;
    syscall($nr, 0, 0, pack('Q2', $soft, $soft + 1), 0);    # prlimit64(self, RLIMIT_CPU, new, NULL)
}

my $nodump = undumpable();
kill_others($START_SPARE) if $nodump && $MODE eq 'box-clean';
my %base_env = %ENV;
send_frame('R', "pid=$$ dumpable=" . ($nodump ? 0 : 1) . " kill=" . ($may_kill ? 1 : 0));

# The program's environment: the image's, then the request's "K=V".
sub program_env {
    %ENV = %base_env;
    for my $kv (@_) {
        my $i = index($kv, '=');
        $ENV{substr($kv, 0, $i)} = substr($kv, $i + 1) if $i > 0;
    }
}

# ------------------------------------------------------------------------------------------------ the fork server

sub zygote_gone {
    close $z_req if $z_req;
    close $z_rep if $z_rep;
    ($z_req, $z_rep, $z_ready) = (undef, undef, 0);
    if ($zygote) {
        kill('KILL', $zygote);
        $zygote = 0;
    }
}

sub start_zygote {
    my ($argc, @rest) = @_;
    my @argv = @rest[0 .. $argc - 1];
    my @env = @rest[$argc .. $#rest];
    zygote_gone();
    my ($req_r, $req_w, $rep_r, $rep_w);
    unless (pipe($req_r, $req_w) && pipe($rep_r, $rep_w)) {
        send_frame('Z', "failed cannot create pipes: $!");
        return;
    }
    my $pid = fork();
    if (!defined $pid) {
        send_frame('Z', "failed cannot fork: $!");
        close $_ for ($req_r, $req_w, $rep_r, $rep_w);
        return;
    }
    if ($pid == 0) {
        # the fork server: requests on fd 3, replies on fd 4, nothing on stdin and stdout, its stderr the runner's
        my ($r, $w) = (POSIX::dup(fileno $req_r), POSIX::dup(fileno $rep_w));
        POSIX::dup2($r, 3);
        POSIX::dup2($w, 4);
        POSIX::close($_) for grep { $_ > 4 } ($r, $w);
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>', '/dev/null');
        $^F = 4;    # fds 3 and 4 survive the exec
        $SIG{PIPE} = 'DEFAULT';
        $SIG{CHLD} = 'DEFAULT';
        program_env(@env);
        POSIX::setsid();
        { no warnings 'exec'; exec { $argv[0] } @argv; }
        syswrite(STDERR, "sandbox4j: cannot start the fork server: $!\n");
        POSIX::_exit(127);
    }
    close $req_r;
    close $rep_w;
    ($z_req, $z_rep, $zygote) = ($req_w, $rep_r, $pid);
}

# The kill after a run, a command or the host's request (kill_others), then the fork server is asked to fork the next
# run's process (see lang/sandbox4j_zygote.py): only when the kill left nothing, so no process of a run or command can
# reach it (a waiting one was killed with the rest). The request is unanswered; a failure shows at the next run.
sub kill_and_prefork {
    my $left = kill_others(@_);
    write_all($z_req, encode('prefork')) if !$left && $z_ready && $z_req;
    return $left;
}

# What the fork server says (between runs: only "ready"); a closed channel means it died.
sub zygote_says {
    my @m = read_request($z_rep);
    if (!@m) {
        my $was = $z_ready;
        zygote_gone();
        send_frame('Z', $was ? 'failed the fork server exited' : 'failed the fork server did not start');
        return ();
    }
    if ($m[0] eq 'ready') {
        $z_ready = 1;
        send_frame('Z', "ready pid=$zygote");
    }
    return @m;
}

# ------------------------------------------------------------------------------------------------ the output directory

# Empties (creates) a run's output directory without following a link: whatever the program left there (a link in
# its place included) goes, and a real directory is made. False if it cannot be made.
sub empty_outdir {
    my ($dir) = @_;
    my @st = lstat($dir);
    if (@st && -d _) {
        remove_entries($dir, 0);
        return chmod(0755, $dir);
    }
    unlink($dir) if @st;
    return mkdir($dir, 0755) || -d $dir;
}

sub remove_entries {
    my ($dir, $depth) = @_;
    chmod(0700, $dir);    # ours: a directory the program made unreadable is emptied too
    opendir(my $d, $dir) or return;
    my @names = grep { $_ ne '.' && $_ ne '..' } readdir $d;
    closedir $d;
    for my $n (@names) {
        my $p = "$dir/$n";
        if (lstat($p) && -d _ && $depth < 256) {
            remove_entries($p, $depth + 1);
            rmdir($p);
        } else {
            unlink($p);
        }
    }
}

# Reports the output directory in A/C frames and ends with an L. What is in it is the program's, so nothing there is
# trusted: links are reported, never followed; every directory is entered with chdir and checked to be the one
# lstat saw (a directory swapped for a link meanwhile is skipped); a file is opened with O_NOFOLLOW|O_NONBLOCK and
# read only if the opened file is the regular file lstat saw, and only up to the size lstat gave; files beyond
# cap_files/cap_bytes are listed unread, and the listing stops after 10000 entries.
sub report_outdir {
    my (%o) = @_;
    my %r = (entries => 0, files => 0, bytes => 0, max_files => ($o{cap_files} // 256) + 0,
        max_bytes => ($o{cap_bytes} // 67108864) + 0);
    my $dir = $o{outdir} // '';
    my @st = $dir ne '' ? lstat($dir) : ();
    if (@st && -d _ && opendir(my $back, '.')) {
        report_dir(\%r, '', $dir, $st[0], $st[1], 0);
        chdir($back);
        closedir $back;
    }
    send_frame('L', "entries=$r{entries}");
}

sub report_dir {
    my ($r, $prefix, $name, $dev, $ino, $depth) = @_;
    return unless chdir($name);
    my @here = stat('.');
    return unless @here && $here[0] == $dev && $here[1] == $ino;
    opendir(my $d, '.') or return;
    my @names = sort grep { $_ ne '.' && $_ ne '..' } readdir $d;
    for my $n (@names) {
        if (++$r->{entries} > 10000) {
            send_frame('A', "m 0 $prefix$n");
            last;
        }
        my @st = lstat($n);
        next unless @st;
        my $path = "$prefix$n";
        if (-l _) {
            send_frame('A', "l 0 $path");
        } elsif (-d _) {
            if ($depth >= 64) {
                send_frame('A', "m 0 $path/");
                next;
            }
            report_dir($r, "$path/", $n, $st[0], $st[1], $depth + 1);
            chdir($d) or last;    # back into this directory (fchdir)
        } elsif (-f _) {
            report_file($r, $path, $n, \@st);
        } else {
            send_frame('A', "o 0 $path");
        }
    }
    closedir $d;
}

sub report_file {
    my ($r, $path, $n, $st) = @_;
    my $size = $st->[7];
    if ($r->{files} >= $r->{max_files} || $r->{bytes} + $size > $r->{max_bytes}) {
        send_frame('A', "s $size $path");
        return;
    }
    my $fh;
    my @f;
    unless (sysopen($fh, $n, Fcntl::O_RDONLY() | Fcntl::O_NONBLOCK() | Fcntl::O_NOFOLLOW())
            && (@f = stat($fh)) && -f _ && $f[0] == $st->[0] && $f[1] == $st->[1]) {
        send_frame('A', "u $size $path");
        return;
    }
    $r->{files}++;
    $r->{bytes} += $size;
    send_frame('A', "f $size $path");
    my $left = $size;
    while ($left > 0) {
        my $k = sysread($fh, my $buf, $left < 65536 ? $left : 65536);
        next if !defined $k && $!{EINTR};
        last unless $k;    # shorter than lstat said: the host sees it
        send_frame('C', $buf);
        $left -= $k;
    }
    close $fh;
}

# ------------------------------------------------------------------------------------------------ runs

my $ZDIR = '/tmp/.sandbox4j-z';

# The output of a run of the fork server: FIFOs in a private directory, read ends open, and a write end of our own
# on each so that no end-of-file is seen before the child opened its ends; stdin is a file.
sub zygote_streams {
    my ($input) = @_;
    if (-d $ZDIR) { unlink glob("$ZDIR/*"); } else { mkdir($ZDIR, 0700) or return (); }
    for my $n ('out', 'err') {
        POSIX::mkfifo("$ZDIR/$n", 0600) or return ();
    }
    open(my $in, '>', "$ZDIR/in") or return ();
    binmode $in;
    print $in $input;
    close $in;
    my (%r, %w);
    for my $n ('out', 'err') {
        sysopen($r{$n}, "$ZDIR/$n", POSIX::O_RDONLY() | POSIX::O_NONBLOCK()) or return ();
        sysopen($w{$n}, "$ZDIR/$n", POSIX::O_WRONLY()) or return ();
    }
    return ($r{out}, $r{err}, $w{out}, $w{err});
}

sub run_program {
    my ($opts, $workdir, $input, $argc, @rest) = @_;
    my %o = options($opts);
    my $spare = ($o{spare} // 0) + 0;
    my $timeout = ($o{timeout_ms} // 0) / 1000;
    my $cpu_limit = ($o{cpu_ms} // 0) + 0;
    my $via_zygote = $o{zygote} && $z_ready;
    my @argv = @rest[0 .. $argc - 1];
    my $envc = exists $o{envc} ? $o{envc} : scalar(@rest) - $argc;
    my @env = @rest[$argc .. $argc + $envc - 1];
    my @files = @rest[$argc + $envc .. $#rest];
    my ($pid, $in_w, $out_r, $err_r, @hold);
    my $pending = '';
    if ($o{zygote} && !$via_zygote) {
        # its files were for the fork server to write: the host starts the program another way
        send_frame('F', 'the fork server is gone');
        return 0;
    }
    if ($via_zygote) {
        my ($or, $er, $ow, $ew) = zygote_streams($input);
        unless ($or) {
            send_frame('F', "cannot create the run's streams: $!");
            return 0;
        }
        ($out_r, $err_r, @hold) = ($or, $er, $ow, $ew);
        kill('CONT', $zygote);    # whatever stopped it is gone with the previous run
        unless (write_all($z_req, encode('run', $ZDIR, $opts, $workdir, scalar(@argv), @argv, scalar(@env), @env,
                    scalar(@files) / 2, @files))) {
            zygote_gone();
            close $_ for ($out_r, $err_r, @hold);
            send_frame('Z', 'failed the fork server exited');
            send_frame('F', 'the fork server is gone');
            return 0;
        }
    } else {
        if ($o{capture} && ($o{outdir} // '') ne '' && !empty_outdir($o{outdir})) {
            send_frame('F', "cannot create the output directory $o{outdir}: $!");
            return 0;
        }
        my ($in_r, $out_w, $err_w);
        unless (pipe($in_r, $in_w) && pipe($out_r, $out_w) && pipe($err_r, $err_w)) {
            send_frame('F', "cannot create pipes: $!");
            return 0;
        }
        $pid = fork();
        if (!defined $pid) {
            send_frame('F', "cannot fork: $!");
            close $_ for ($in_r, $in_w, $out_r, $out_w, $err_r, $err_w);
            return 0;
        }
        if ($pid == 0) {
            # the program: its own pipes as 0/1/2; every other descriptor is close-on-exec (perl's default above $^F)
            POSIX::dup2(fileno $in_r, 0);
            POSIX::dup2(fileno $out_w, 1);
            POSIX::dup2(fileno $err_w, 2);
            $SIG{PIPE} = 'DEFAULT';
            $SIG{CHLD} = 'DEFAULT';
            program_env(@env);
            POSIX::setsid();
            limit_cpu($cpu_limit);
            unless (chdir $workdir) {
                syswrite(STDERR, "sandbox4j: cannot enter $workdir: $!\n");
                POSIX::_exit(126);
            }
            { no warnings 'exec'; exec { $argv[0] } @argv; }
            syswrite(STDERR, "sandbox4j: cannot run $argv[0]: $!\n");
            POSIX::_exit(127);
        }
        close $in_r;
        close $out_w;
        close $err_w;
        $in_w->blocking(0);
        $pending = $input;
    }
    my $deadline = $timeout > 0 ? now() + $timeout + 1 / $TICK : 0;    # a tick late, never early
    my ($t_start, $t_exit, $cpu_used, $cpu_polled, $cpu_base) = (mono(), undef, -1, 0, 0);
    $_->blocking(0) for ($out_r, $err_r);
    my %open = (fileno($out_r) => [$out_r, 'O'], fileno($err_r) => [$err_r, 'E']);
    my $writing = $in_w ? 1 : 0;
    if ($writing && length($pending) == 0) {
        close $in_w;
        $writing = 0;
    }
    my ($status, $usage, $killed, $kills, $left, $zdead) = (undef, '', '', 0, 0, 0);
    my $host_gone = 0;
    while (1) {
        # Known to have exited before this select: a quiet select then means all it wrote has been read. (A quiet
        # select before the exit was seen proves nothing: the program may write and exit right after it.)
        my $exited = defined $status;
        my ($rin, $win) = ('', '');
        vec($rin, $_, 1) = 1 for keys %open;
        vec($rin, fileno(STDIN), 1) = 1 unless $exited || $host_gone;
        vec($rin, fileno($z_rep), 1) = 1 if $via_zygote && !$exited && $z_rep;
        vec($win, fileno($in_w), 1) = 1 if $writing;
        my $wait = 0.05;
        if ($exited) {
            $wait = 0;    # only drain what it wrote
        } elsif ($deadline) {
            my $rest = $deadline - now();
            $wait = $rest < 0 ? 0 : ($rest < $wait ? $rest + 0.001 : $wait);
        }
        my $n = select(my $rout = $rin, my $wout = $win, undef, $wait);
        if ($n > 0) {
            for my $fd (keys %open) {
                next unless vec($rout, $fd, 1);
                my $r = sysread($open{$fd}[0], my $buf, 65536);
                if ($r) {
                    send_frame($open{$fd}[1], $buf);
                } elsif (defined $r || !($!{EAGAIN} || $!{EINTR})) {
                    close $open{$fd}[0];
                    delete $open{$fd};
                }
            }
            if ($writing && vec($wout, fileno($in_w), 1)) {
                my $w = syswrite($in_w, $pending);
                if (defined $w) {
                    substr($pending, 0, $w) = '';
                } elsif (!($!{EAGAIN} || $!{EINTR})) {
                    $pending = '';    # the program closed its stdin
                }
                if (length($pending) == 0) {
                    close $in_w;
                    $writing = 0;
                }
            }
            if (!$exited && $via_zygote && $z_rep && vec($rout, fileno($z_rep), 1)) {
                my @m = read_request($z_rep);
                if (!@m) {
                    # the fork server died (the program killed it?): the program goes too
                    $zdead = 1;
                    zygote_gone();
                    kill_others($spare);
                    $status = 9;
                } elsif ($m[0] eq 'started') {
                    $pid = $m[1] + 0;
                    $cpu_base = ($m[2] // 0) + 0;    # what a pre-forked child spent before the request
                } elsif ($m[0] eq 'exited') {
                    $status = $m[1] + 0;
                    $usage = $m[2] // '';
                }
                if (defined $status) {
                    $t_exit //= mono();
                    $left = kill_and_prefork($spare);    # the fork runs while the output drains
                    close $_ for @hold;    # its writers are gone: drain to the end
                    @hold = ();
                    next;
                }
            }
            if (!$exited && !$host_gone && vec($rout, fileno(STDIN), 1)) {
                my @req = read_request(\*STDIN);
                if (!@req) {
                    $host_gone = 1;    # nobody to report to: stop the program, then leave
                    $killed ||= 'host';
                    kill_others($spare, $pid);
                } elsif ($req[0] eq 'kill') {
                    $kills++;
                    $killed ||= 'host';
                    kill_others($spare, $pid);
                }
            }
        }
        if (!$exited && $cpu_limit && !$killed && mono() - $cpu_polled >= 0.05) {
            $cpu_polled = mono();
            $cpu_used = run_cpu_ms($spare, $pid) - $cpu_base;
            if ($cpu_used >= $cpu_limit) {
                $killed = 'cpu';
                kill_others($spare, $pid);
            }
        }
        if (!$exited && $deadline && now() >= $deadline) {
            $killed ||= 'timeout';
            $deadline = 0;    # killed once; its exit ends the wait
            kill_others($spare, $pid);
        }
        if (!$exited && !$via_zygote) {
            reap();
            if (exists $reaped{$pid}) {
                $status = delete $reaped{$pid};
                $t_exit //= mono();
                $usage = delete $usage{$pid} // '';
                # leftovers die before the last drain: then every writer of the pipes is gone
                $left = kill_and_prefork($spare);
                next;
            }
        }
        $t_exit //= mono() if defined $status;
        last if $exited && (!%open || $n == 0);
    }
    close $in_w if $writing;
    close $_->[0] for values %open;
    close $_ for @hold;
    my $code = ($status & 127) ? 128 + ($status & 127) : ($status >> 8);
    $killed ||= 'cpu' if $cpu_limit && ($status & 127) == 24;    # SIGXCPU: RLIMIT_CPU, the backstop
    bye() if $host_gone;
    my $t_end = mono();
    $t_exit //= $t_end;
    my $oom = $code ? oom_kills() : -1;
    send_frame('X', "code=$code" . ($killed ? " killed=$killed" : '') . " left=$left" . ($oom >= 0 ? " oom_kills=$oom" : '')
        . ($usage ? " $usage" : '') . ($zdead ? ' zygote=dead' : '') . ' wall_us=' . int(($t_exit - $t_start) * 1e6)
        . ' teardown_us=' . int(($t_end - $t_exit) * 1e6) . ($cpu_limit ? ' run_cpu_ms=' . $cpu_used : ''));
    send_frame('Z', 'failed the fork server exited') if $zdead;
    send_frame('K', "left=$left") for 1 .. $kills;
    return 1;
}

while (1) {
    # between runs: the host's next request, or news from the fork server
    my $rin = '';
    vec($rin, fileno(STDIN), 1) = 1;
    vec($rin, fileno($z_rep), 1) = 1 if $z_rep;
    my $n = select(my $rout = $rin, undef, undef, undef);
    next if $n <= 0;
    if ($z_rep && vec($rout, fileno($z_rep), 1)) {
        zygote_says();
        next;
    }
    my @f = read_request(\*STDIN);
    last unless @f;
    my $op = shift @f;
    if ($op eq 'run') {
        my $started = run_program(@f);
        my %o = options($f[0] // '');
        if ($o{capture}) {
            if ($started) { report_outdir(%o); } else { send_frame('L', 'entries=0'); }
        }
    } elsif ($op eq 'capture') {
        report_outdir(options($f[0] // ''));
    } elsif ($op eq 'kill') {
        my $left = kill_and_prefork(($f[0] // 0) + 0);
        send_frame('K', "left=$left");
    } elsif ($op eq 'zygote') {
        start_zygote(@f);
    } else {
        send_frame('F', "unknown request '$op'");
    }
}
zygote_gone();
bye();
