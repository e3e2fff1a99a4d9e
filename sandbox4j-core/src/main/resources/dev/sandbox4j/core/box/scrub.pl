# sandbox4j box scrub: makes a pooled box that served a session fit for the next one (PoolConfig.maxUses > 1), then
# proves it. Runs as the sandbox user, with perl-base only, by one engine exec after the session's runner is gone.
#
# Started as `perl -e SCRIPT STEPS ROOT...`:
#   STEPS  comma-separated: procs (kill every other process of this uid, with kill(-1); refused as root), ipc (remove
#          every System V shared memory segment, message queue and semaphore set this uid may remove, then require
#          none left at all), mqueue (require that no POSIX message queue can exist: RLIMIT_MSGQUEUE 0, or an empty
#          visible /dev/mqueue), oom (require the cgroup's OOM-kill counter to be 0 where it can be read), mounts
#          (require every writable mount this uid can write to be one of the ROOTs). A box gets all of them; tests
#          on the host leave out what would touch the host's own processes or IPC.
#   ROOT   PATH or PATH:MODE (octal): a writable directory whose contents are all removed; the directory itself is
#          kept with MODE, or, for a tmpfs mount point, the mode it was mounted with (1777 if none given).
#
# Output: one line "left WHAT DETAIL" per thing that is still there, then "scrub clean" (exit 0) or "scrub dirty N"
# (exit 1). The host hands the box to the next session only after "scrub clean".
use strict;
use warnings;

my @steps = split /,/, ($ARGV[0] // '');
my %step = map { $_ => 1 } @steps;
my @roots = @ARGV[1 .. $#ARGV];
my @left;

sub left { push @left, join(' ', @_); }

# [pid, state] of every other live process of our uid (its real or effective uid)
sub mine {
    my @p;
    opendir(my $d, '/proc') or return ();
    for my $e (readdir $d) {
        next unless $e =~ /^[0-9]+$/ && $e != $$;
        open(my $s, '<', "/proc/$e/status") or next;
        my ($uid, $state) = (0, '');
        while (my $l = <$s>) {
            $state = $1 if $l =~ /^State:\s+(\S)/;
            if ($l =~ /^Uid:\s+(\d+)\s+(\d+)/) { $uid = ($1 == $< || $2 == $<) ? 1 : 0; last; }
        }
        close $s;
        push @p, $e if $uid && $state ne 'Z' && $state ne 'X';
    }
    closedir $d;
    return @p;
}

if ($step{procs}) {
    if ($< == 0 || $> == 0) {
        left('procs', 'refusing to kill every process as root');
    } else {
        # stop all, then kill all: kill(-1) reaches every process of the uid but this one, a fork bomb included
        for my $round (1 .. 200) {
            last unless mine();
            kill('STOP', -1);
            kill('KILL', -1);
            select(undef, undef, undef, 0.005) if $round > 3;
        }
        my @p = mine();
        left('process', join(',', @p)) if @p;
    }
}

if ($step{ipc}) {
    # /proc/sysvipc: a header line, then one line per object; its id is the second column. IPC_RMID is 0.
    for my $kind ('shm', 'msg', 'sem') {
        for my $pass (1, 2) {
            open(my $f, '<', "/proc/sysvipc/$kind") or do { left('ipc', "cannot read /proc/sysvipc/$kind: $!"); last; };
            <$f>;
            my @ids;
            while (my $l = <$f>) {
                my @c = split ' ', $l;
                push @ids, $c[1] if defined $c[1] && $c[1] =~ /^[0-9]+$/;
            }
            close $f;
            last unless @ids;
            if ($pass == 2) {
                left("ipc-$kind", join(',', @ids));
                last;
            }
            for my $id (@ids) {
                if ($kind eq 'shm') { shmctl($id, 0, 0); }
                elsif ($kind eq 'msg') { msgctl($id, 0, 0); }
                else { semctl($id, 0, 0, 0); }
            }
        }
    }
}

# The options of the mounts, by mount point (the last mount of a path is the one seen).
my %mounts;
if (open(my $m, '<', '/proc/self/mounts')) {
    while (my $l = <$m>) {
        my ($dev, $point, $type, $opts) = split ' ', $l;
        next unless defined $opts;
        $point =~ s/\\([0-7]{3})/chr(oct($1))/ge;
        $mounts{$point} = [$type, $opts];
    }
    close $m;
}

if ($step{mqueue}) {
    my $limit;
    if (open(my $l, '<', '/proc/self/limits')) {
        while (my $x = <$l>) {
            $limit = $1 if $x =~ /^Max msgqueue size\s+\S+\s+(\S+)/;
        }
        close $l;
    }
    if (!defined $limit || $limit ne '0') {
        # queues can exist: only a visible mqueue file system shows them
        my $mq = $mounts{'/dev/mqueue'};
        if ($mq && $mq->[0] eq 'mqueue' && opendir(my $d, '/dev/mqueue')) {
            my @q = grep { $_ ne '.' && $_ ne '..' } readdir $d;
            closedir $d;
            unlink("/dev/mqueue/$_") for @q;
            opendir($d, '/dev/mqueue');
            @q = grep { $_ ne '.' && $_ ne '..' } readdir $d;
            closedir $d;
            left('mqueue', join(',', @q)) if @q;
        } else {
            left('mqueue', 'POSIX message queues are allowed (msgqueue limit ' . ($limit // '?')
                . ') and /dev/mqueue is not visible: cannot prove there are none');
        }
    }
}

if ($step{oom}) {
    for my $f ('/sys/fs/cgroup/memory.events', '/sys/fs/cgroup/memory/memory.oom_control') {
        open(my $h, '<', $f) or next;
        while (my $l = <$h>) {
            left('oom_kill', $1) if $l =~ /^oom_kill (\d+)/ && $1 > 0;
        }
        close $h;
        last;
    }
}

# Removes everything under $dir (not $dir itself) on device $dev, never following a symbolic link; a directory made
# unreadable by a run is made ours again first (we own what we made).
sub wipe {
    my ($dir, $dev) = @_;
    opendir(my $d, $dir) or return;
    my @e = grep { $_ ne '.' && $_ ne '..' } readdir $d;
    closedir $d;
    for my $n (@e) {
        my $p = "$dir/$n";
        my @st = lstat $p or next;
        if (-d _) {
            next if $st[0] != $dev;    # another mount: not ours to empty (the mounts step names it)
            chmod(0700, $p) if $st[4] == $>;
            wipe($p, $dev);
            rmdir $p;
        } else {
            unlink $p;
        }
    }
}

for my $r (@roots) {
    my ($path, $mode) = $r =~ /^(.*?)(?::([0-7]{3,4}))?$/;
    my @st = lstat $path;
    if (!@st || !-d _) {
        left('root', "$path is not a directory");
        next;
    }
    if (!defined $mode) {
        my $mnt = $mounts{$path};
        $mode = $mnt && $mnt->[0] eq 'tmpfs' ? ($mnt->[1] =~ /(?:^|,)mode=([0-7]+)/ ? $1 : '1777') : undef;
    }
    chmod(0700, $path) if $st[4] == $> && ($st[2] & 0700) != 0700;
    wipe($path, $st[0]);
    if (defined $mode && $st[4] == $>) {
        chmod(oct($mode), $path);
    }
    opendir(my $d, $path) or do { left('root', "$path cannot be read: $!"); next; };
    my @e = grep { $_ ne '.' && $_ ne '..' } readdir $d;
    closedir $d;
    left('file', "$path/$_") for @e;
    @st = lstat $path;
    if (defined $mode && ($st[2] & 07777) != oct($mode)) {
        left('mode', sprintf('%s %o (expected %s)', $path, $st[2] & 07777, $mode));
    }
}

if ($step{mounts}) {
    my %covered = map { (/^(.*?)(?::[0-7]+)?$/)[0] => 1 } @roots;
    my %skip = map { $_ => 1 } qw(proc sysfs cgroup cgroup2 devpts mqueue securityfs debugfs tracefs);
    for my $point (sort keys %mounts) {
        my ($type, $opts) = @{$mounts{$point}};
        next if $skip{$type} || $covered{$point} || $opts !~ /(?:^|,)rw(?:,|$)/;
        next if $point =~ m{^/(?:proc|sys)(?:/|$)};
        left('mount', "$point ($type) is writable and not scrubbed") if -d $point && -w _;
    }
}

print "left $_\n" for @left;
print @left ? 'scrub dirty ' . scalar(@left) . "\n" : "scrub clean\n";
exit(@left ? 1 : 0);
