// The upload page: check a file, read the report, then load the same file. The CSRF token is on the form.
(function () {
  const form = document.getElementById('f');
  const load = document.getElementById('load');
  const status = document.getElementById('status');
  const lang = document.documentElement.lang === 'en' ? 'en' : 'no';
  let checked = null;
  form.addEventListener('change', () => { load.disabled = true; checked = null; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const action = e.submitter ? e.submitter.value : 'check';
    const fd = new FormData(form);
    fd.delete('action');
    fd.append('dry_run', action === 'check' ? 'true' : 'false');
    status.textContent = lang === 'no' ? 'Sender …' : 'Sending …';
    const res = await fetch('/api/v1/submissions', {
      method: 'POST', body: fd, headers: {'X-CSRF-Token': form.dataset.csrf}, credentials: 'same-origin'});
    let body = {};
    try { body = await res.json(); } catch (err) { body = {detail: String(res.status)}; }
    status.textContent = body.outcome_no ? (lang === 'no' ? body.outcome_no : body.outcome_en) : (body.detail || res.status);
    if (body.report_html) document.getElementById('report').srcdoc = body.report_html;
    const link = document.getElementById('report-link');
    link.textContent = '';
    if (body.public_id) {
      const a = document.createElement('a');
      a.href = '/api/v1/submissions/' + body.public_id + '/report.html';
      a.textContent = lang === 'no' ? 'Rapporten (lenke)' : 'The report (link)';
      link.appendChild(a);
    }
    load.disabled = !(action === 'check' && res.ok && !body.rejected);
  });
})();
