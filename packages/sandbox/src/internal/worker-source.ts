/**
 * The Python program each sandboxed worker runs, as PID 1 of its own PID namespace (`bwrap --as-pid-1`). It reads
 * one JSON request a line on stdin, runs the code in a forked child with fresh rlimits, and answers one JSON line
 * on stdout, then a second (`done`) once it has cleaned up and knows whether it can take another call. After every call it kills everything else in its PID namespace and empties /tmp and /dev/shm, so
 * nothing a snippet spawned or wrote outlives the call.
 */
export const WORKER_SOURCE = String.raw`
import ctypes, json, mmap, os, resource, select, shutil, signal, sys, time, traceback

# kill(-1) kills every other process it can see: only safe as the init of a fresh PID namespace.
if os.getpid() != 1:
    sys.stderr.write('ajet sandbox worker refuses to run outside its own PID namespace (bwrap --as-pid-1)\n')
    sys.exit(70)

if not hasattr(os, 'pidfd_open'):
    sys.stderr.write('ajet sandbox worker needs Python 3.9 or newer on Linux 5.3 or newer (os.pidfd_open)\n')
    sys.exit(72)

# Undumpable, before any child exists (children inherit it): a snippet running as the same uid can then neither
# ptrace this process, nor open its /proc/1/mem or /proc/1/fd, nor take its reply pipe with pidfd_getfd.
PR_SET_DUMPABLE, PR_GET_DUMPABLE = 4, 3
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 or libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0:
    sys.stderr.write('ajet sandbox worker could not make itself undumpable (prctl PR_SET_DUMPABLE)\n')
    sys.exit(71)
# As a namespace init with default handlers, signals sent from inside the namespace never reach it.
signal.signal(signal.SIGINT, signal.SIG_DFL)

# A small program compiled once by the worker and once by each spare: the first compile() in a process builds
# the parser's state (about 0.7 ms), which a snippet would otherwise pay on every call.
WARM_UP = 'for i in range(2):\n    x = [i * 2.5, str(i), {"k": (i,)}]\n'
exec(compile(WARM_UP, '<warm-up>', 'exec'), {'__name__': '__warm_up__'})

# The writable size-capped tmpfs mounts, emptied after every call, with the mode each started with. Past
# TMP_MAX_ENTRIES files and folders, emptying costs more than a fresh worker (whose tmpfs the kernel frees).
TMP_MAX_ENTRIES = 2048
SCRATCH = [(path, os.stat(path).st_mode & 0o7777) for path in ('/tmp', '/dev/shm')]
MAX_FD = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
RLIMITS = [getattr(resource, name) for name in dir(resource) if name.startswith('RLIMIT_')]

def process_state():
    # What a snippet of the same uid may change in this process without ptrace (setpriority, sched_setscheduler,
    # sched_setaffinity, prlimit) and every later child would inherit: a change means a fresh worker.
    return (os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0), os.sched_getaffinity(0),
            [resource.getrlimit(limit) for limit in RLIMITS])

STATE = process_state()

def kill_strays():
    # Every process of the namespace descends from this one: with no child left, there is nothing to kill.
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    # One kill(-1) reaches every process in the namespace but this one, atomically with respect to fork().
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    # Every orphan is this process's child (it is the namespace init): reap until none is left.
    deadline = time.monotonic() + 1.0
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.0005)
        except ChildProcessError:
            return True

def clean_scratch():
    # True when /tmp and /dev/shm are empty again; False when this worker should be replaced instead.
    return all(empty(path, mode) for path, mode in SCRATCH)

def empty(path, mode):
    try:
        if os.stat(path).st_mode & 0o7777 != mode:
            os.chmod(path, mode)
        stats = os.statvfs(path)
        used = stats.f_files - stats.f_ffree  # inodes in use: 1 is the mount's own folder
        if used <= 1:
            return True
        if used > TMP_MAX_ENTRIES:
            return False
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    os.chmod(entry.path, 0o700)
                    shutil.rmtree(entry.path, onerror=unlock)
                else:
                    os.unlink(entry.path)
        return not os.listdir(path)
    except OSError:
        return False

def unlock(function, path, _):
    # A snippet may leave read-only folders: open the one that refused a removal and try once more.
    if function not in (os.unlink, os.rmdir):
        raise OSError('cannot empty ' + path)
    os.chmod(os.path.dirname(path), 0o700)
    function(path)

def ipc_left():
    # SysV shared memory and message queues outlive their processes and count against no rlimit.
    for name in ('/proc/sysvipc/shm', '/proc/sysvipc/msg', '/proc/sysvipc/sem'):
        table = os.open(name, os.O_RDONLY)
        try:
            if os.read(table, 4096).count(b'\n') > 1:  # a header line, then one line an object
                return True
        finally:
            os.close(table)
    return False

def prepare(keep_fd, out_w, err_w):
    # Everything that does not depend on the request runs here, before the spare blocks on its read: a forked
    # Python pays a copy-on-write fault the first time it touches each inherited page, and touching them now
    # keeps about a millisecond of faults off the call's critical path.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    null = os.open('/dev/null', os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, MAX_FD)
    sys.stdout = os.fdopen(1, 'w', buffering=1, encoding='utf-8', errors='replace')
    sys.stderr = os.fdopen(2, 'w', buffering=1, encoding='utf-8', errors='replace')
    exec(compile(WARM_UP, '<warm-up>', 'exec'), {'__name__': '__warm_up__'})

def child(request, memory_error):
    limits = request['limits']
    resource.setrlimit(resource.RLIMIT_CPU, (limits['cpu_seconds'], limits['cpu_seconds'] + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits['memory_bytes'], limits['memory_bytes']))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits['file_size_bytes'], limits['file_size_bytes']))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits['processes'], limits['processes']))
    # POSIX message queues outlive their processes, where no per-call cleanup reaches them: none at all.
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
    code = 0
    try:
        exec(compile(request['code'], '<code>', 'exec'), {'__name__': '__main__', '__builtins__': __builtins__})
    except SystemExit as error:
        code = error.code if isinstance(error.code, int) else (0 if error.code is None else 1)
        if not isinstance(error.code, int) and error.code is not None:
            sys.stderr.write(str(error.code) + '\n')
    except BaseException as error:
        if isinstance(error, MemoryError):
            memory_error[0] = 1
        code = 1
        try:
            traceback.print_exc()
        except BaseException:
            pass
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code & 0xFF)

# Shared with every child, no fd: set when a snippet ended in MemoryError; reset before each spare is forked.
MEMORY_ERROR = mmap.mmap(-1, 1)

def spawn_spare():
    # Forked ahead of the next request, so the fork is off the call's critical path.
    memory_error = MEMORY_ERROR
    memory_error[0] = 0
    req_r, req_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            prepare(req_r, out_w, err_w)
            chunks = []
            while True:
                chunk = os.read(req_r, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(req_r)
            child(json.loads(b''.join(chunks)), memory_error)
        finally:
            os._exit(1)
    os.close(req_r)
    os.close(out_w)
    os.close(err_w)
    return pid, req_w, out_r, err_r, memory_error

def run(request, spare):
    limits = request['limits']
    pid, req_w, out_r, err_r, memory_error = spare
    child_fd = os.pidfd_open(pid)
    payload = json.dumps(request).encode()
    view = memoryview(payload)
    while view:
        written = os.write(req_w, view)
        view = view[written:]
    os.close(req_w)
    buffers = {out_r: bytearray(), err_r: bytearray()}
    watched = [out_r, err_r, child_fd]
    deadline = time.monotonic() + limits['wall_ms'] / 1000
    kind = None
    total = 0
    status = rusage = None
    # The call ends when the child has exited and both pipes are closed (by it and by anything it started).
    while watched:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            kind = 'timeout'
            break
        ready, _, _ = select.select(watched, [], [], remaining)
        for fd in ready:
            if fd == child_fd:
                _, status, rusage = os.wait4(pid, 0)
                watched.remove(fd)
                continue
            data = os.read(fd, 65536)
            if not data:
                watched.remove(fd)
                continue
            room = limits['output_bytes'] - total
            buffers[fd] += data[:max(room, 0)]
            total += len(data)
            if total > limits['output_bytes']:
                kind = 'output_limit'
        if kind:
            break
    if status is None:
        os.kill(pid, signal.SIGKILL)
        _, status, rusage = os.wait4(pid, 0)
    reaped = kill_strays()
    os.close(child_fd)
    os.close(out_r)
    os.close(err_r)
    if os.WIFSIGNALED(status):
        returncode = -os.WTERMSIG(status)
        if kind is None:
            # SIGXCPU is the soft CPU limit's; a SIGKILL is the hard one's only when the CPU time says so, since a
            # snippet may kill itself (rusage reads about 10% under the clock the kernel checks the limit on).
            used = rusage.ru_utime + rusage.ru_stime
            hard_limit = os.WTERMSIG(status) == signal.SIGKILL and used >= 0.8 * limits['cpu_seconds']
            kind = 'cpu_limit' if os.WTERMSIG(status) == signal.SIGXCPU or hard_limit else 'crashed'
    else:
        returncode = os.WEXITSTATUS(status)
    if kind is None and memory_error[0]:
        kind = 'memory_limit'
    reply = {'id': request['id'], 'stdout': buffers[out_r].decode('utf-8', 'replace'),
             'stderr': buffers[err_r].decode('utf-8', 'replace'), 'returncode': returncode, 'error_kind': kind}
    return reply, reaped

out = os.fdopen(os.dup(1), 'w')
os.dup2(os.open('/dev/null', os.O_WRONLY), 1)
out.write(json.dumps({'ready': True}) + '\n')
out.flush()
spare = spawn_spare()
for line in sys.stdin:
    reply, reaped = run(json.loads(line), spare)
    out.write(json.dumps(reply) + '\n')
    out.flush()
    # The housekeeping runs after the reply, so the call does not wait for it; the pool sends the next request
    # only after this second line says whether the worker is clean.
    recycle = not reaped or not clean_scratch() or ipc_left() or process_state() != STATE
    out.write(json.dumps({'id': reply['id'], 'done': True, 'recycle': recycle}) + '\n')
    out.flush()
    if recycle:
        # Exiting as the namespace init takes everything left with it; the pool starts a fresh worker.
        sys.exit(0)
    spare = spawn_spare()
`;
