// The report page's script: draws the charts with uPlot and the episodes of the picked step. In a static report
// the data sits in #ajet-data; served by `ajet logview` it polls api/experiment and fetches episodes per step.
(() => {
  const live = document.body.dataset.mode === 'live';
  // `?poll=500` in the address overrides how often a live page checks for new steps.
  const pollMs = Number(new URLSearchParams(location.search).get('poll') || document.body.dataset.pollMs || 2000);
  const embedded = live ? null : JSON.parse(document.getElementById('ajet-data').textContent);
  const state = { index: null, selected: null, followLatest: true, filter: 'all', episodes: [], plots: [] };

  const element = (tag, attributes = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === 'text') node.textContent = value;
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children) node.append(child);
    return node;
  };
  const format = (value, digits = 3) => (typeof value === 'number' ? Number(value.toFixed(digits)).toString() : '–');

  async function loadIndex() {
    if (!live) return embedded;
    const response = await fetch('api/experiment', { cache: 'no-store' });
    if (!response.ok) throw new Error(`api/experiment: HTTP ${response.status}`);
    return response.json();
  }

  async function loadEpisodes(name) {
    if (!live) return embedded.episodes[name] ?? [];
    const response = await fetch(`api/trajectories/${encodeURIComponent(name)}`, { cache: 'no-store' });
    if (!response.ok) throw new Error(`api/trajectories/${name}: HTTP ${response.status}`);
    const body = await response.json();
    if (body.warnings.length > 0) showWarnings([...state.index.warnings, ...body.warnings]);
    return body.episodes;
  }

  function showWarnings(lines) {
    document.getElementById('warnings').textContent = lines.join('\n');
  }

  // Charts -------------------------------------------------------------------------------------------------

  function drawCharts(charts) {
    for (const plot of state.plots) plot.destroy();
    state.plots = [];
    const holder = document.getElementById('charts');
    holder.replaceChildren();
    for (const spec of charts) {
      const box = element('div', { className: 'chart', 'data-chart': spec.id, 'data-point-count': 0 });
      holder.append(box);
      if (spec.x.length === 0) {
        box.append(element('div', { className: 'chart-title', text: spec.title }));
        box.append(element('div', { className: 'empty', text: 'no points yet' }));
        continue;
      }
      const plot = new uPlot(
        {
          title: spec.title,
          width: Math.max(320, box.clientWidth - 12),
          height: 220,
          scales: { x: { time: false } },
          axes: [{ label: 'step', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] }, {}],
          series: [
            { label: 'step' },
            ...spec.series.map((series) => ({
              label: series.label,
              stroke: series.color,
              width: series.faint ? 1 : 2,
              dash: series.faint ? [4, 4] : undefined,
              spanGaps: true,
              points: { show: spec.x.length <= 60 },
            })),
          ],
          bands: spec.band ? [{ series: [spec.band[0] + 1, spec.band[1] + 1], fill: 'rgba(37, 99, 235, 0.12)' }] : [],
        },
        [spec.x, ...spec.series.map((series) => series.values)],
        box,
      );
      // Read back from the chart itself, so a test counts what uPlot holds.
      box.dataset.pointCount = String(plot.data[0].length);
      // A click on a chart opens the trajectories of the step under the cursor.
      plot.over.addEventListener('click', () => {
        const index = plot.cursor.idx;
        if (index === null || index === undefined) return;
        const validation = spec.id === 'pass' || spec.id.startsWith('pass-');
        const phase = validation ? ['val', 'eval'] : ['train'];
        const file = state.index.trajectories.find(
          (entry) =>
            entry.step === spec.x[index] &&
            phase.includes(entry.phase) &&
            (entry.set ?? null) === (spec.validationSet ?? null),
        );
        if (file) pickStep(file.name, false).catch(reportError);
      });
      state.plots.push(plot);
    }
  }

  // Step picker and episodes -------------------------------------------------------------------------------

  const stepLabel = (file) =>
    file.phase === 'train'
      ? `step ${file.step}`
      : `${file.phase === 'val' ? 'validation' : 'eval'}${file.set ? ` ${file.set}` : ''} @ step ${file.step}`;

  function latestFile(files) {
    const train = files.filter((file) => file.phase === 'train');
    return (train.length > 0 ? train : files).at(-1);
  }

  function fillStepPicker(files) {
    const picker = document.querySelector('[data-step-picker]');
    picker.replaceChildren(...files.map((file) => element('option', { value: file.name, text: stepLabel(file) })));
    if (state.selected) picker.value = state.selected;
  }

  async function pickStep(name, follow) {
    state.selected = name;
    state.followLatest = follow;
    document.querySelector('[data-step-picker]').value = name;
    const list = document.getElementById('episode-list');
    list.dataset.loading = '1';
    state.episodes = await loadEpisodes(name);
    list.dataset.episodesFor = name;
    delete list.dataset.loading;
    drawEpisodes();
  }

  function drawEpisodes() {
    const list = document.getElementById('episode-list');
    const shown = state.episodes.filter((episode) => episode.filters.includes(state.filter));
    document.querySelector('[data-episode-count]').textContent = `${shown.length} of ${state.episodes.length} episodes`;
    list.replaceChildren(...shown.map(episodeCard));
    if (shown.length === 0) list.append(element('p', { className: 'status', text: 'No episodes to show.' }));
  }

  function episodeCard(episode) {
    const details = element('details', {
      className: 'episode',
      'data-episode-id': episode.episodeId,
      'data-success': episode.isSuccess ? 1 : 0,
      'data-reward': episode.reward ?? '',
      'data-trained-token-count': episode.trainedTokens,
    });
    const hover = element('span', { className: 'hover-card', 'data-hover-card': '' }, [
      element('div', { text: `reward ${format(episode.reward)} · advantage ${format(episode.advantage)}` }),
      element('pre', {
        'data-judge-details': '',
        text: episode.judgeDetails ? JSON.stringify(episode.judgeDetails, null, 2) : 'no judge details',
      }),
    ]);
    const summary = element('summary', {}, [
      element('span', { className: 'badge', text: episode.error ? '!' : episode.isSuccess ? '✓' : '✗' }),
      element('strong', { text: episode.taskTag || episode.episodeId }),
      element('span', { className: 'meta' }, [
        [
          `reward ${format(episode.reward)}`,
          `advantage ${format(episode.advantage)}`,
          episode.trained ? 'trained' : 'not trained',
          `${episode.trainedTokens} sampled tokens`,
          episode.error ? `error: ${episode.error.kind}` : '',
        ]
          .filter(Boolean)
          .join(' · '),
        hover,
      ]),
    ]);
    details.append(summary);
    // The token view is built when first opened: a step can hold many long episodes.
    details.addEventListener('toggle', () => {
      if (details.open && !details.querySelector('.episode-body')) details.append(episodeBody(episode));
    });
    return details;
  }

  function tokenStyle(logprob) {
    const probability = Math.exp(Math.min(0, logprob));
    const lightness = 88 - 48 * probability;
    return { background: `hsl(217 91% ${lightness}%)`, color: lightness < 62 ? '#fff' : '#0f172a' };
  }

  function tokenView(sequence, index) {
    const box = element('div', { className: 'tokens', 'data-sequence': index });
    for (let position = 0; position < sequence.texts.length; position++) {
      const kind = sequence.kinds[position];
      const trained = sequence.lossMask[position] === 1;
      const logprob = sequence.logprobs[position] ?? 0;
      const span = element('span', {
        className: 'tok',
        'data-token-kind': kind === 's' ? 'sampled' : kind === 'o' ? 'tool' : 'prompt',
        'data-token-trained': trained ? 1 : 0,
        title: trained
          ? `id ${sequence.tokenIds[position]} · logprob ${logprob.toFixed(4)} · p ${Math.exp(logprob).toFixed(3)}`
          : `id ${sequence.tokenIds[position]} · ${kind === 'o' ? 'tool output' : 'prompt'} (not trained)`,
        text: sequence.texts[position],
      });
      if (trained) {
        const style = tokenStyle(logprob);
        span.style.background = style.background;
        span.style.color = style.color;
        span.dataset.logprob = String(logprob);
      }
      box.append(span);
    }
    return box;
  }

  function episodeBody(episode) {
    const body = element('div', { className: 'episode-body' });
    if (episode.error)
      body.append(element('p', { className: 'error-line', text: `${episode.error.kind}: ${episode.error.message}` }));
    if (episode.finalAnswer !== null) body.append(element('p', { text: `final answer: ${episode.finalAnswer}` }));
    episode.sequences.forEach((sequence, index) => {
      if (episode.sequences.length > 1)
        body.append(element('div', { className: 'status', text: `sequence ${index + 1}` }));
      body.append(tokenView(sequence, index));
    });
    const messages = element('details', { className: 'messages' }, [
      element('summary', { text: `messages (${episode.messages.length})` }),
    ]);
    for (const message of episode.messages) {
      const calls = message.toolCalls.map((call) => `\n→ ${call.name}(${call.arguments})`).join('');
      messages.append(
        element(
          'div',
          { className: 'message', 'data-message-role': message.role, 'data-tool-output': message.isToolOutput ? 1 : 0 },
          [
            element('span', {
              className: 'role',
              text: `${message.isToolOutput ? `${message.role} (tool output)` : message.role}: `,
            }),
            document.createTextNode(message.content + calls),
          ],
        ),
      );
    }
    body.append(messages);
    return body;
  }

  // Refresh ------------------------------------------------------------------------------------------------

  async function refresh() {
    const index = await loadIndex();
    const changed = !state.index || state.index.version !== index.version;
    state.index = index;
    if (!changed) return;
    document.getElementById('title').textContent = index.name;
    document.title = `ajet · ${index.name}`;
    showWarnings(index.warnings);
    drawCharts(index.charts);
    fillStepPicker(index.trajectories);
    const latest = latestFile(index.trajectories);
    if (latest && (state.followLatest || !state.selected) && latest.name !== state.selected)
      await pickStep(latest.name, true);
    if (!latest) drawEpisodes();
  }

  const status = document.getElementById('status');
  const reportError = (error) => {
    status.textContent = `error: ${error.message}`;
  };

  document.querySelector('[data-step-picker]').addEventListener('change', (event) => {
    const name = event.target.value;
    pickStep(name, name === latestFile(state.index.trajectories)?.name).catch(reportError);
  });
  document.querySelector('[data-episode-filter]').addEventListener('change', (event) => {
    state.filter = event.target.value;
    drawEpisodes();
  });

  // One check at a time: the next is scheduled when the last has answered.
  function poll() {
    refresh()
      .then(() => {
        status.textContent = `live · checked ${new Date().toLocaleTimeString()}`;
      })
      .catch(() => {
        status.textContent = 'disconnected: the server stopped (the run may have ended)';
      })
      .finally(() => setTimeout(poll, pollMs));
  }

  refresh()
    .then(() => {
      document.body.dataset.ready = '1';
      if (!live) return;
      status.textContent = 'live';
      setTimeout(poll, pollMs);
    })
    .catch((error) => {
      status.textContent = `could not load the experiment: ${error.message}`;
    });
})();
