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
# Host -> runner, on stdin: requests of u32 count, then count fields of (u32 length, bytes):
#   run OPTIONS WORKDIR STDIN ARGC ARGV... ENV...   OPTIONS: "timeout_ms=N\nspare=PID\n" (each optional)
#     (the program's environment is the runner's own, i.e. the image's, with the request's "K=V" on top)
#   kill SPARE                                     kill every process of the uid outside SPARE's tree (and the
#                                                  program of a run in progress, which then ends)
# Runner -> host, on stdout, frames of (1 type byte, u32 length, payload), big-endian:
#   R "pid=P dumpable=0|1 kill=0|1"   ready (sent once at start; dumpable=1: prctl failed, do not trust this runner)
#   O bytes        the program's stdout
#   E bytes        the program's stderr
#   X "code=N[ killed=timeout|host][ left=N] cpu_ms=U+S"
#                  the program exited (N = exit code, 128+signal when killed by a signal); killed says who
#                  stopped it; left is how many processes survived the kill of leftovers (0 = clean)
#   F message      the program could not be started (no X follows)
#   K "left=N"     answer to a kill request (after the X of a run it ended)
# One run at a time: the next request is read after the X (or F) of the previous one; during a run only "kill" is read.
use strict;
use warnings;
use POSIX ();
use IO::Handle ();

binmode STDIN;
binmode STDOUT;
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = sub { };    # a child's exit interrupts select() at once

my $MODE = $ARGV[0] // '';
my $START_SPARE = ($ARGV[1] // 0) + 0;
my $TICK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;

# prctl's syscall number per machine (perl-base has no prctl of its own)
my %PRCTL = (x86_64 => 157, aarch64 => 167, riscv64 => 167, ppc64le => 171, ppc64 => 171, s390x => 172,
    armv7l => 172, armv6l => 172, i686 => 172, i386 => 172);

sub undumpable {
    my $nr = $PRCTL{(POSIX::uname())[4]};
    return 0 unless defined $nr;
    return 0 unless syscall($nr, 4, 0, 0, 0, 0) == 0;    # PR_SET_DUMPABLE 0
    return syscall($nr, 3, 0, 0, 0, 0) == 0;              # PR_GET_DUMPABLE
}

# Killing every process of the uid is only safe inside a box, and never as root.
my $may_kill = ($MODE eq 'box' || $MODE eq 'box-clean') && $< != 0 && $> != 0;

# seconds on a monotonic clock (clock ticks since boot)
sub now { return (POSIX::times())[0] / $TICK; }

# children's CPU time so far, in milliseconds (user, system)
sub child_cpu {
    my @t = POSIX::times();
    return (int($t[3] * 1000 / $TICK), int($t[4] * 1000 / $TICK));
}

sub take {
    my ($n) = @_;
    my $buf = '';
    while (length($buf) < $n) {
        my $r = sysread(STDIN, $buf, $n - length($buf), length($buf));
        if (!defined $r) {
            next if $!{EINTR};
            return undef;
        }
        return undef if $r == 0;
    }
    return $buf;
}

sub send_frame {
    my ($type, $payload) = @_;
    my $m = $type . pack('N', length $payload) . $payload;
    my $off = 0;
    while ($off < length $m) {
        my $w = syswrite(STDOUT, $m, length($m) - $off, $off);
        if (!defined $w) {
            next if $!{EINTR};
            bye();    # the host is gone
        }
        $off += $w;
    }
}

sub read_request {
    my $h = take(4);
    return () unless defined $h;
    my $count = unpack('N', $h);
    my @fields;
    for (1 .. $count) {
        my $l = take(4);
        return () unless defined $l;
        my $len = unpack('N', $l);
        my $v = $len ? take($len) : '';
        return () unless defined $v;
        push @fields, $v;
    }
    return @fields;
}

# exit statuses of reaped children, by pid (the program, and anything else reparented to us)
my %reaped;

sub reap {
    while ((my $k = waitpid(-1, POSIX::WNOHANG())) > 0) {
        $reaped{$k} = $?;
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
        my ($state, $ppid, $pgrp, $sid) = split / /, substr($line, rindex($line, ')') + 2);
        next if !defined $sid || $state eq 'Z' || $state eq 'X' || $sid == 1;
        push @p, [$e + 0, $ppid + 0];
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

# Kills every process of our uid outside $spare's tree: stop first, so that nothing forks a replacement, then kill;
# without a tree to spare, kill(-1) signals them all in one step (a fork in progress is cancelled by the pending
# signal). Returns how many survived (0 = clean). Outside a box it kills only $only (the program of a run).
sub kill_others {
    my ($spare, $only) = @_;
    if (!$may_kill) {
        if ($only) { kill('KILL', -$only); kill('KILL', $only); }
        return 0;
    }
    my $left = 0;
    for my $round (1 .. 500) {
        if (!$spare) {
            # first, before anything else: a fork bomb leaves this process a sliver of the CPU, and reading /proc
            # takes longer than two system calls
            kill('STOP', -1);
            kill('KILL', -1);
        }
        my @p = processes();
        my %s = tree($spare, @p);
        my @victims = map { $_->[0] } grep { !$s{$_->[0]} } @p;
        return 0 unless @victims;
        if ($spare) {
            kill('STOP', @victims);
            kill('KILL', @victims);
        }
        reap();
        $left = scalar @victims;
        select(undef, undef, undef, 0.002) if $round > 3;
    }
    return $left;
}

sub bye {
    POSIX::_exit(0);
}

my $nodump = undumpable();
kill_others($START_SPARE) if $nodump && $MODE eq 'box-clean';
my %base_env = %ENV;
send_frame('R', "pid=$$ dumpable=" . ($nodump ? 0 : 1) . " kill=" . ($may_kill ? 1 : 0));

sub run_program {
    my ($opts, $workdir, $input, $argc, @rest) = @_;
    my %o;
    for my $kv (split /\n/, $opts) {
        my $i = index($kv, '=');
        $o{substr($kv, 0, $i)} = substr($kv, $i + 1) if $i > 0;
    }
    my $spare = ($o{spare} // 0) + 0;
    my $timeout = ($o{timeout_ms} // 0) / 1000;
    my @argv = @rest[0 .. $argc - 1];
    my @env = @rest[$argc .. $#rest];
    my ($in_r, $in_w, $out_r, $out_w, $err_r, $err_w);
    unless (pipe($in_r, $in_w) && pipe($out_r, $out_w) && pipe($err_r, $err_w)) {
        send_frame('F', "cannot create pipes: $!");
        return 0;
    }
    my ($cpu_u, $cpu_s) = child_cpu();
    my $pid = fork();
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
        %ENV = %base_env;    # like an engine exec: the image's environment, then the request's
        for my $kv (@env) {
            my $i = index($kv, '=');
            $ENV{substr($kv, 0, $i)} = substr($kv, $i + 1) if $i > 0;
        }
        POSIX::setsid();
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
    my $deadline = $timeout > 0 ? now() + $timeout + 1 / $TICK : 0;    # a tick late, never early
    $_->blocking(0) for ($in_w, $out_r, $err_r);
    my %open = (fileno($out_r) => [$out_r, 'O'], fileno($err_r) => [$err_r, 'E']);
    my $pending = $input;
    my $writing = 1;
    if (length($pending) == 0) {
        close $in_w;
        $writing = 0;
    }
    my ($status, $killed, $kills, $left) = (undef, '', 0, 0);
    my $host_gone = 0;
    while (1) {
        # Known to have exited before this select: a quiet select then means all it wrote has been read. (A quiet
        # select before the exit was seen proves nothing: the program may write and exit right after it.)
        my $exited = defined $status;
        my ($rin, $win) = ('', '');
        vec($rin, $_, 1) = 1 for keys %open;
        vec($rin, fileno(STDIN), 1) = 1 unless $exited || $host_gone;
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
            if (!$exited && !$host_gone && vec($rout, fileno(STDIN), 1)) {
                my @req = read_request();
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
        if (!$exited && $deadline && now() >= $deadline) {
            $killed ||= 'timeout';
            $deadline = 0;    # killed once; its exit (SIGCHLD) ends the wait
            kill_others($spare, $pid);
        }
        if (!$exited) {
            reap();
            $status = delete $reaped{$pid} if exists $reaped{$pid};
            if (defined $status) {
                # leftovers die before the last drain: then every writer of the pipes is gone
                $left = kill_others($spare);
                next;
            }
        }
        last if $exited && (!%open || $n == 0);
    }
    close $in_w if $writing;
    close $_->[0] for values %open;
    my ($u, $s) = child_cpu();
    my $code = ($status & 127) ? 128 + ($status & 127) : ($status >> 8);
    bye() if $host_gone;
    send_frame('X', "code=$code" . ($killed ? " killed=$killed" : '') . " left=$left cpu_ms="
        . ($u - $cpu_u) . '+' . ($s - $cpu_s));
    send_frame('K', "left=$left") for 1 .. $kills;
    return 1;
}

while (1) {
    my @f = read_request();
    last unless @f;
    my $op = shift @f;
    if ($op eq 'run') {
        run_program(@f);
    } elsif ($op eq 'kill') {
        my $left = kill_others(($f[0] // 0) + 0);
        send_frame('K', "left=$left");
    } else {
        send_frame('F', "unknown request '$op'");
    }
}
bye();
