//! The panel's bookmark section: the list with rename / remove, and the add row.

use cm_manager::ManagerHandle;
use cm_manager::dialogs::AlertModel;
use cm_registry::RegistrySnapshot;
use egui::{Grid, Key, TextEdit, Ui};

use super::run_action;
use crate::labels;
use crate::style::CmStyle;

/// The bookmark being renamed: its name and URL when the rename started, and the new name
/// typed so far.
#[derive(Debug)]
struct Rename {
    old_name: String,
    url: String,
    new_name: String,
}

/// What the user is typing in the bookmark section (UI state only).
#[derive(Debug, Default)]
pub(crate) struct BookmarkEditor {
    new_name: String,
    new_url: String,
    renaming: Option<Rename>,
}

impl BookmarkEditor {
    pub(crate) fn ui(
        &mut self,
        ui: &mut Ui,
        style: &CmStyle,
        manager: &ManagerHandle,
        alert: &AlertModel,
        snapshot: &RegistrySnapshot,
    ) {
        ui.label(style.title("Bookmarks"));
        // A bookmark removed meanwhile (here or by another process) ends its rename.
        if let Some(rename) = &self.renaming
            && snapshot.bookmark(&rename.old_name).is_none()
        {
            self.renaming = None;
        }
        let bookmarks = snapshot.bookmarks();
        if bookmarks.is_empty() {
            ui.label(style.colored("No bookmarks yet.", style.muted));
        }
        Grid::new("cm-egui/bookmarks")
            .num_columns(3)
            .striped(true)
            .spacing([style.item_spacing * 2.0, style.item_spacing])
            .show(ui, |ui| {
                for bookmark in bookmarks {
                    let name = &*bookmark.name;
                    match &mut self.renaming {
                        Some(rename) if rename.old_name == name => {
                            // A fixed size: the grid column is only as wide as the names.
                            let size =
                                egui::vec2(style.field_width / 2.0, ui.spacing().interact_size.y);
                            let response =
                                ui.add_sized(size, TextEdit::singleline(&mut rename.new_name));
                            let response = response.accessible_name(labels::new_name_for(name));
                            let enter =
                                response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                            ui.label(style.url(&*bookmark.url));
                            let (save, cancel) = ui
                                .horizontal(|ui| {
                                    (
                                        ui.small_button(labels::SAVE_NAME).clicked(),
                                        ui.small_button(labels::CANCEL_RENAME).clicked(),
                                    )
                                })
                                .inner;
                            if save || enter {
                                self.finish_rename(manager, alert);
                            } else if cancel {
                                self.renaming = None;
                            }
                        }
                        _ => {
                            ui.label(style.body(name));
                            ui.label(style.url(&*bookmark.url));
                            ui.horizontal(|ui| {
                                if ui
                                    .small_button("Rename")
                                    .accessible_name(labels::rename_bookmark(name))
                                    .clicked()
                                {
                                    self.renaming = Some(Rename {
                                        old_name: name.to_owned(),
                                        url: bookmark.url.to_string(),
                                        new_name: name.to_owned(),
                                    });
                                }
                                if ui
                                    .small_button("Remove")
                                    .accessible_name(labels::remove_bookmark(name))
                                    .clicked()
                                {
                                    let (registry, name) =
                                        (manager.registry().clone(), name.to_owned());
                                    run_action(manager, alert, async move {
                                        registry
                                            .remove_bookmark(&name)
                                            .await
                                            .map(drop)
                                            .map_err(|e| e.to_string())
                                    });
                                }
                            });
                        }
                    }
                    ui.end_row();
                }
            });
        ui.add_space(style.item_spacing);
        self.add_row(ui, style, manager, alert);
    }

    fn finish_rename(&mut self, manager: &ManagerHandle, alert: &AlertModel) {
        let Some(rename) = self.renaming.take() else {
            return;
        };
        let new_name = rename.new_name.trim().to_owned();
        if new_name.is_empty() || new_name == rename.old_name {
            return;
        }
        let registry = manager.registry().clone();
        run_action(manager, alert, async move {
            registry
                .rename_bookmark(&rename.old_name, &new_name, &rename.url)
                .await
                .map_err(|e| e.to_string())
        });
    }

    fn add_row(
        &mut self,
        ui: &mut Ui,
        style: &CmStyle,
        manager: &ManagerHandle,
        alert: &AlertModel,
    ) {
        let mut submit = false;
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(labels::BOOKMARK_NAME);
            ui.add(TextEdit::singleline(&mut self.new_name).desired_width(style.field_width / 2.0))
                .labelled_by(label.id);
            let label = ui.label(labels::BOOKMARK_URL);
            let response = ui
                .add(
                    TextEdit::singleline(&mut self.new_url)
                        .hint_text("omniverse://server/path/")
                        .font(style.url_font.clone())
                        .desired_width(style.field_width),
                )
                .labelled_by(label.id);
            submit = response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            let ready = !self.new_name.trim().is_empty() && !self.new_url.trim().is_empty();
            submit |= ui
                .add_enabled(ready, egui::Button::new(labels::ADD_BOOKMARK))
                .clicked();
            submit &= ready;
        });
        if submit {
            let name = std::mem::take(&mut self.new_name).trim().to_owned();
            let url = std::mem::take(&mut self.new_url).trim().to_owned();
            let registry = manager.registry().clone();
            run_action(manager, alert, async move {
                registry
                    .add_bookmark(&name, &url)
                    .await
                    .map_err(|e| format!("Could not add bookmark {name} ({url}): {e}"))
            });
        }
    }
}
