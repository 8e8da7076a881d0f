// The admin console's routes (/admin/...): each section is a view of its own module.
import { catalogAdminView } from './catalog.js';
import { movieEditorView } from './movie-editor.js';
import { peopleView } from './people.js';
import { pipelineView } from './pipeline.js';
import { requestsAdminView } from './requests.js';
import { uploadView } from './upload.js';

export function registerAdminRoutes(route) {
  const admin = { admin: true, title: 'Admin' };
  route('/admin', pipelineView, admin);
  route('/admin/pipeline', pipelineView, admin);
  route('/admin/upload', uploadView, admin);
  route('/admin/catalog', catalogAdminView, admin);
  route('/admin/movies/:id', movieEditorView, admin);
  route('/admin/people', peopleView, admin);
  route('/admin/requests', requestsAdminView, admin);
}
