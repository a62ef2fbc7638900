/**
 * The Python program each sandboxed worker runs. It reads one JSON request a line on stdin, runs the code in a
 * forked child with fresh rlimits, and answers one JSON line on stdout. After every call it kills whatever
 * else is left in its PID namespace, so nothing a snippet spawned outlives the call.
 */
export const WORKER_SOURCE = String.raw`
import json, os, resource, select, signal, sys, time, traceback

# A small program compiled once by the worker and once by each spare: the first compile() in a process builds
# the parser's state (about 0.7 ms), which a snippet would otherwise pay on every call.
WARM_UP = 'for i in range(2):\n    x = [i * 2.5, str(i), {"k": (i,)}]\n'
exec(compile(WARM_UP, '<warm-up>', 'exec'), {'__name__': '__warm_up__'})

def kill_strays():
    me = os.getpid()
    deadline = time.monotonic() + 1.0
    while True:
        others = [int(name) for name in os.listdir('/proc') if name.isdigit() and int(name) not in (1, me)]
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG) == (0, 0):
                    break
            except ChildProcessError:
                break
        # Killed orphans linger as zombies until the namespace init reaps them; wait so the next call starts clean.
        if not others or time.monotonic() > deadline:
            return
        time.sleep(0.001)

def prepare(keep_fd, out_w, err_w):
    # Everything that does not depend on the request runs here, before the spare blocks on its read: a forked
    # Python pays a copy-on-write fault the first time it touches each inherited page, and touching them now
    # keeps about a millisecond of faults off the call's critical path.
    null = os.open('/dev/null', os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 1024)
    sys.stdout = os.fdopen(1, 'w', buffering=1, encoding='utf-8', errors='replace')
    sys.stderr = os.fdopen(2, 'w', buffering=1, encoding='utf-8', errors='replace')
    exec(compile(WARM_UP, '<warm-up>', 'exec'), {'__name__': '__warm_up__'})

def child(request):
    limits = request['limits']
    resource.setrlimit(resource.RLIMIT_CPU, (limits['cpu_seconds'], limits['cpu_seconds'] + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits['memory_bytes'], limits['memory_bytes']))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits['file_size_bytes'], limits['file_size_bytes']))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits['processes'], limits['processes']))
    code = 0
    try:
        exec(compile(request['code'], '<code>', 'exec'), {'__name__': '__main__', '__builtins__': __builtins__})
    except SystemExit as error:
        code = error.code if isinstance(error.code, int) else (0 if error.code is None else 1)
        if not isinstance(error.code, int) and error.code is not None:
            sys.stderr.write(str(error.code) + '\n')
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code & 0xFF)

def spawn_spare():
    # Forked ahead of the next request, so the fork is off the call's critical path.
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
            child(json.loads(b''.join(chunks)))
        finally:
            os._exit(1)
    os.close(req_r)
    os.close(out_w)
    os.close(err_w)
    return pid, req_w, out_r, err_r

def run(request, spare):
    limits = request['limits']
    pid, req_w, out_r, err_r = spare
    payload = json.dumps(request).encode()
    view = memoryview(payload)
    while view:
        written = os.write(req_w, view)
        view = view[written:]
    os.close(req_w)
    buffers = {out_r: bytearray(), err_r: bytearray()}
    open_fds = [out_r, err_r]
    deadline = time.monotonic() + limits['wall_ms'] / 1000
    kind = None
    total = 0
    while open_fds:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            kind = 'timeout'
            break
        ready, _, _ = select.select(open_fds, [], [], remaining)
        for fd in ready:
            data = os.read(fd, 65536)
            if not data:
                open_fds.remove(fd)
                continue
            room = limits['output_bytes'] - total
            buffers[fd] += data[:max(room, 0)]
            total += len(data)
            if total > limits['output_bytes']:
                kind = 'output_limit'
        if kind:
            break
    if kind:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    _, status = os.waitpid(pid, 0)
    kill_strays()
    os.close(out_r)
    os.close(err_r)
    if os.WIFSIGNALED(status):
        returncode = -os.WTERMSIG(status)
        if kind is None:
            kind = 'cpu_limit' if os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL) else 'crashed'
    else:
        returncode = os.WEXITSTATUS(status)
    stderr = buffers[err_r].decode('utf-8', 'replace')
    if kind is None and 'MemoryError' in stderr:
        kind = 'memory_limit'
    return {'stdout': buffers[out_r].decode('utf-8', 'replace'), 'stderr': stderr,
            'returncode': returncode, 'error_kind': kind}

# kill_strays kills every other process it can see: only safe as the init's child in a fresh PID namespace.
if os.getppid() != 1 or os.getpid() > 8:
    sys.stderr.write('ajet sandbox worker refuses to run outside its own PID namespace (bwrap --unshare-pid)\n')
    sys.exit(70)

out = os.fdopen(os.dup(1), 'w')
os.dup2(os.open('/dev/null', os.O_WRONLY), 1)
out.write(json.dumps({'ready': True}) + '\n')
out.flush()
spare = spawn_spare()
for line in sys.stdin:
    reply = run(json.loads(line), spare)
    out.write(json.dumps(reply) + '\n')
    out.flush()
    spare = spawn_spare()
`;
