# sandbox4j resident runner: starts programs in the box without an engine exec per run.
# Runs as the sandbox user (the same uid as the programs it starts), with perl-base only (every Debian image has it).
#
# Host -> runner, on stdin, one request per run:
#   u32 count, then count fields of (u32 length, bytes): workdir, stdin bytes, argc, argv..., env ("K=V")...
#   (the program's environment is the runner's own, i.e. the image's, with the request's on top)
# Runner -> host, on stdout, frames of (1 type byte, u32 length, payload), big-endian:
#   R pid          ready (sent once at start)
#   O bytes        the program's stdout
#   E bytes        the program's stderr
#   X code         the program exited (decimal exit code, 128+signal when killed by a signal)
#   F message      the program could not be started (no X follows)
# One run at a time: the next request is read after the X (or F) of the previous one.
use strict;
use warnings;
use POSIX ();
use IO::Handle ();

binmode STDIN;
binmode STDOUT;
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = sub { };    # a child's exit interrupts select() at once

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
            POSIX::_exit(0);    # the host is gone
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

my %base_env = %ENV;
send_frame('R', "$$");
while (1) {
    my @f = read_request();
    last unless @f;
    my ($workdir, $input, $argc) = @f[0 .. 2];
    my @argv = @f[3 .. 2 + $argc];
    my @env = @f[3 + $argc .. $#f];
    my ($in_r, $in_w, $out_r, $out_w, $err_r, $err_w);
    unless (pipe($in_r, $in_w) && pipe($out_r, $out_w) && pipe($err_r, $err_w)) {
        send_frame('F', "cannot create pipes: $!");
        next;
    }
    my $pid = fork();
    if (!defined $pid) {
        send_frame('F', "cannot fork: $!");
        close $_ for ($in_r, $in_w, $out_r, $out_w, $err_r, $err_w);
        next;
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
    $_->blocking(0) for ($in_w, $out_r, $err_r);
    my %open = (fileno($out_r) => [$out_r, 'O'], fileno($err_r) => [$err_r, 'E']);
    my $pending = $input;
    my $writing = 1;
    if (length($pending) == 0) {
        close $in_w;
        $writing = 0;
    }
    my $status;
    while (1) {
        # Known to have exited before this select: a quiet select then means all it wrote has been read. (A quiet
        # select before the exit was seen proves nothing: the program may write and exit right after it.)
        my $exited = defined $status;
        my ($rin, $win) = ('', '');
        vec($rin, $_, 1) = 1 for keys %open;
        vec($win, fileno($in_w), 1) = 1 if $writing;
        # once the program has exited, only drain what it wrote (processes it left behind may hold the pipes)
        my $n = select(my $rout = $rin, my $wout = $win, undef, $exited ? 0 : 0.05);
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
        }
        if (!$exited && waitpid($pid, POSIX::WNOHANG()) == $pid) {
            $status = $?;
        }
        last if $exited && (!%open || $n == 0);
    }
    close $in_w if $writing;
    close $_->[0] for values %open;
    my $code = ($status & 127) ? 128 + ($status & 127) : ($status >> 8);
    send_frame('X', "$code");
}
