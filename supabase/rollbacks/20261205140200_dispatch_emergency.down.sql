-- Back to dispatching an emergency by hand (insert a mission, move the emergency's status).
drop function public.dispatch_emergency(uuid, uuid, uuid, text);
